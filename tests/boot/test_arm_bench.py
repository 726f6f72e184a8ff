"""The arm64 side of issue 12's bench: the same guest userland (the runner's aarch64 test guest,
mscc/run/guest.py) booted under QEMU on Debian's stock arm64 kernels — the guest's own 6.1 and
bookworm-backports' 6.12, mscc's release — and on mscc's minimal 16K kernel for
tests/boot/boot16k.msk, the profile's own bench.sh run inside each, and each stock result
compared with mscc's by `mscc bench --compare`.

Slow: runs with MSCC_BOOT_TEST=1 (and the kernel boot test's tools), like tests/boot/test_boot.py;
.ci/run sets it. Warm (mscc's kernel build cached in ~/.cache/mscc/boot-test, the guest in
~/.cache/mscc/guest-arm64, the backports kernel in ~/.cache/mscc/guest-arm64-backports: a 90 MB
package, fetched once) it takes about 1.5-2 minutes on two shared cores: 3 rounds, each booting
the three kernels. With MSCC_ARM_BENCH_OUT=DIR the results and the tables are also written to DIR
(how the tables in docs/performance.md were made)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from test_boot import boot_skip_reason

from mscc.compiler import compile_file
from mscc.verify import armbench

REPO = Path(__file__).resolve().parents[2]
PROFILE = REPO / "tests" / "boot" / "boot16k.msk"
REPETITIONS = 3
METRICS = ("page_size", "kernel_size", "kernel_size_gzip", "memory_used", "boot_to_userspace",
           "boot_to_init_host", "virtio_drivers", "virtio_devices")


def _mscc_kernel(tmp_path: Path) -> Path:
    """mscc's 16K kernel, through the runner test's helper (one cached build serves the boot
    test, the qemu backend's test and this one)."""
    sys.path.insert(0, str(REPO / "tests" / "run"))
    try:
        from test_run_qemu import mscc_16k_kernel
    finally:
        sys.path.remove(str(REPO / "tests" / "run"))
    return mscc_16k_kernel(tmp_path)


def _bench_sh() -> str:
    result = compile_file(str(PROFILE), ["alpine"])
    bundle = next(b for b in result.bundles if b.directory == "boot16k/alpine")
    return next(a.content for a in bundle.artifacts if a.kind == "bench-script")


def _rows(output: str) -> dict[str, list[str]]:
    rows = {}
    for line in output.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        rows[cells[0]] = cells[1:]
    return rows


def _ratio_allowed(a: dict, b: dict) -> bool:
    """The comparison rules, restated: exact figures, or 3+ runs each with disjoint ranges."""
    exact = all(f["min"] == f["max"] == f["value"] for f in (a, b))
    disjoint = a["max"] < b["min"] or b["max"] < a["min"]
    return exact or (min(a["repetitions"], b["repetitions"]) >= 3 and disjoint)


@pytest.mark.boot
@pytest.mark.slow
def test_stock_and_mscc_arm64_kernels_compared(tmp_path, run_cli):
    reason = boot_skip_reason() or (None if shutil.which("apt-get") else "needs apt-get for the guest")
    if reason:
        pytest.skip(reason)
    from mscc.run.guest import debian_arm64_guest

    guest = debian_arm64_guest()
    kernels = {"stock": armbench.Kernel(guest.kernel), "stock-6.12": armbench.backports_kernel(),
               "mscc": armbench.Kernel(_mscc_kernel(tmp_path))}
    measured = armbench.measure(kernels, guest.initrd, _bench_sh(), tmp_path / "boots", repetitions=REPETITIONS,
                                cmdline=guest.cmdline)
    results = {}
    for name, result in measured.items():
        results[name] = {f["metric"]: f for f in result.figures}
        armbench.write_jsonl(result.figures, tmp_path / f"{name}.json")
    tables = {}
    for stock_name in ("stock", "stock-6.12"):
        compared = run_cli("bench", "--compare", tmp_path / f"{stock_name}.json", tmp_path / "mscc.json")
        print(compared.output)  # the tables, for the CI log (pytest -s / -rA)
        assert compared.exit_code == 0, compared.output
        tables[stock_name] = compared.output
    if os.environ.get("MSCC_ARM_BENCH_OUT"):
        out = Path(os.environ["MSCC_ARM_BENCH_OUT"])
        out.mkdir(parents=True, exist_ok=True)
        for name in kernels:
            shutil.copy2(tmp_path / f"{name}.json", out / f"{name}.json")
        for name, text in tables.items():
            (out / f"table-{name}.md").write_text(text)
    for stock_name, output in tables.items():
        _check_table(output, results[stock_name], results["mscc"])
    # Debian's 6.12 has virtio-pci built in and loads its own virtio_net from the overlay
    assert "virtio_net" in results["stock-6.12"]["virtio_devices"]["items"]
    for name in kernels:
        assert (tmp_path / "boots" / f"console-{name}-1.log").read_text().count("MSCC-BENCH-EXIT 0") == 1


def _check_table(output: str, stock: dict, mscc: dict) -> None:
    rows = _rows(output)
    assert [m for m in METRICS if m not in rows] == [], output
    assert stock["page_size"]["value"] == 4096 and mscc["page_size"]["value"] == 16384
    assert rows["page_size"] == ["4096 bytes [n=3]", "16384 bytes [n=3]", "4.00x"]  # exact: a ratio
    # the devices the profile keeps are there on mscc's kernel; the stock guest binds virtio-net
    # through the Debian modules its initramfs loads
    assert {"virtio_blk", "virtio_net"} <= set(mscc["virtio_devices"]["items"])
    assert "virtio_net" in stock["virtio_devices"]["items"]
    assert not rows["virtio_devices"][2].endswith("x")  # a listing has a difference, never a ratio
    for metric in ("kernel_size", "kernel_size_gzip"):
        assert stock[metric]["value"] > 0 and mscc[metric]["value"] > 0
        assert rows[metric][2].endswith("x")  # sizes are exact: always a ratio
    for metric in ("memory_used", "boot_to_userspace", "boot_to_init_host"):
        a, b = stock[metric], mscc[metric]
        assert a["repetitions"] == b["repetitions"] == REPETITIONS, (a, b)
        assert a["min"] <= a["value"] <= a["max"] and b["min"] <= b["value"] <= b["max"]
        shown = rows[metric][2]
        if _ratio_allowed(a, b):
            assert shown == f"{b['value'] / a['value']:.2f}x", (metric, shown)
        else:
            assert shown == "- (ranges overlap)", (metric, shown)
    assert json.dumps(stock) and json.dumps(mscc)  # plain JSON, what bench --compare read back
