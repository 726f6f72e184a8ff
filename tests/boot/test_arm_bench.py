"""The arm64 side of issue 12's bench: the same guest userland (the runner's aarch64 test guest,
mscc/run/guest.py) booted under QEMU on Debian's stock arm64 kernel and on mscc's minimal 16K
kernel for tests/boot/boot16k.msk, the profile's own bench.sh run inside each, and the two
results compared with `mscc bench --compare`.

Slow: runs with MSCC_BOOT_TEST=1 (and the kernel boot test's tools), like tests/boot/test_boot.py;
.ci/run sets it. Warm (the kernel build cached in ~/.cache/mscc/boot-test, the guest in
~/.cache/mscc/guest-arm64) it takes 1-1.5 minutes on two shared cores: 3 rounds, each booting both kernels. With
MSCC_ARM_BENCH_OUT=DIR the two results and the table are also written to DIR (how the table in
docs/performance.md was made)."""

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
    kernels = {"stock": guest.kernel, "mscc": _mscc_kernel(tmp_path)}
    measured = armbench.measure(kernels, guest.initrd, _bench_sh(), tmp_path / "boots", repetitions=REPETITIONS,
                                cmdline=guest.cmdline)
    results = {}
    for name, result in measured.items():
        results[name] = {f["metric"]: f for f in result.figures}
        armbench.write_jsonl(result.figures, tmp_path / f"{name}.json")
    compared = run_cli("bench", "--compare", tmp_path / "stock.json", tmp_path / "mscc.json")
    print(compared.output)  # the table, for the CI log (pytest -s / -rA)
    assert compared.exit_code == 0, compared.output
    if os.environ.get("MSCC_ARM_BENCH_OUT"):
        out = Path(os.environ["MSCC_ARM_BENCH_OUT"])
        out.mkdir(parents=True, exist_ok=True)
        for name in ("stock.json", "mscc.json"):
            shutil.copy2(tmp_path / name, out / name)
        (out / "table.md").write_text(compared.output)

    rows = _rows(compared.output)
    stock, mscc = results["stock"], results["mscc"]
    assert [m for m in METRICS if m not in rows] == [], compared.output
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
    for name, figures in results.items():
        assert json.dumps(figures)  # plain JSON, what bench --compare read back
        assert (tmp_path / "boots" / f"console-{name}-1.log").read_text().count("MSCC-BENCH-EXIT 0") == 1
