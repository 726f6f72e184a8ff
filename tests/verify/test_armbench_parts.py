"""The parts of the arm64 bench (mscc/verify/armbench.py) that run without a VM: the job
appended to the guest's initramfs, the QEMU command line, reading the console, merging the
boots, the host-side figures, and bench.sh's new figures (page size, virtio listings) on this
host. The consoles in fixtures/arm64-console are two real boots of the guest (Debian's stock
arm64 kernel, mscc's minimal 16K kernel) under TCG, recorded by this code."""

from __future__ import annotations

import gzip
import json
import lzma
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mscc.compiler import compile_file
from mscc.verify import armbench
from mscc.verify.compare import difference, ratio, table

HERE = Path(__file__).parent
CONSOLES = HERE / "fixtures" / "arm64-console"
PROFILE = HERE.parent / "boot" / "boot16k.msk"


def _bench_sh() -> str:
    result = compile_file(str(PROFILE), ["alpine"])
    bundle = next(b for b in result.bundles if b.directory == "boot16k/alpine")
    return next(a.content for a in bundle.artifacts if a.kind == "bench-script")


def _cpio_names(data: bytes) -> dict[str, bytes]:
    """name → content of a newc archive (enough of the format to read back what we wrote)."""
    out, at = {}, 0
    while at < len(data):
        fields = [int(data[at + 6 + 8 * i: at + 14 + 8 * i], 16) for i in range(13)]
        size, namesize = fields[6], fields[11]
        name = data[at + 110: at + 110 + namesize - 1].decode()
        at += 110 + namesize
        at += (4 - at % 4) % 4
        out[name] = data[at: at + size]
        at += size
        at += (4 - at % 4) % 4
        if name == "TRAILER!!!":
            break
    return out


def test_job_is_appended_after_the_guests_own_archive(tmp_path):
    guest = tmp_path / "guest.gz"
    guest.write_bytes(gzip.compress(b"guest archive"))
    initrd = armbench.job_initrd(guest, "#!/bin/sh\necho bench\n", tmp_path)
    data = initrd.read_bytes()
    assert data.startswith(guest.read_bytes())  # the guest's archive unchanged, first
    job = _cpio_names(gzip.decompress(data[len(guest.read_bytes()):]))
    assert job["./job/bench.sh"] == b"#!/bin/sh\necho bench\n"
    assert job["./etc/inittab"].decode() == armbench.INITTAB
    # the init's first line is the marker, then the guest's own rcS, then the job
    assert armbench.INITTAB.splitlines() == [f"::sysinit:/bin/echo {armbench.USERSPACE}", "::sysinit:/etc/rcS",
                                             "::once:/job/run.sh"]


def test_a_kernels_own_modules_come_between_the_guest_and_the_job(tmp_path):
    guest, modules = tmp_path / "guest.gz", tmp_path / "modules.gz"
    guest.write_bytes(gzip.compress(b"guest archive"))
    modules.write_bytes(gzip.compress(b"modules archive"))
    data = armbench.job_initrd(guest, "echo\n", tmp_path / "w", modules).read_bytes()
    head = guest.read_bytes() + modules.read_bytes()
    assert data.startswith(head) and "./job/run.sh" in _cpio_names(gzip.decompress(data[len(head):]))


def test_compressed_modules_are_read_decompressed(tmp_path):
    from mscc.run.guest import _module_closure, module_bytes

    tree = tmp_path / "lib/modules/6.12.0/kernel"
    tree.mkdir(parents=True)
    (tree / "virtio_net.ko.xz").write_bytes(lzma.compress(b"\0depends=net_failover\0vermagic=6.12\0",
                                                          format=lzma.FORMAT_XZ))
    (tree / "net_failover.ko").write_bytes(b"\0depends=\0")
    assert module_bytes(tree / "virtio_net.ko.xz").startswith(b"\0depends=net_failover")
    assert [m.name for m in _module_closure(tmp_path, ("virtio_net",))] == ["net_failover.ko", "virtio_net.ko.xz"]


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_run_sh_is_shellcheck_clean(tmp_path):
    run = tmp_path / "run.sh"
    run.write_text(armbench.RUN_SH)
    proc = subprocess.run(["shellcheck", "-s", "sh", str(run)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_same_machine_for_both_kernels_with_the_fast_tcg_cpu(tmp_path):
    argv = armbench.qemu_argv(tmp_path / "Image", tmp_path / "i.gz", tmp_path / "d.img", "console=ttyAMA0", "tcg")
    assert argv[argv.index("-cpu") + 1] == "max,pauth-impdef=on"
    assert argv[argv.index("-m") + 1] == "1024M"
    assert "virtio-net-pci,netdev=net0,romfile=" in argv  # no efi-virtio.rom needed
    assert "user,id=net0,restrict=on" in argv            # the guest reaches nothing outside
    assert argv[argv.index("-serial") + 1] == "stdio"


@pytest.mark.parametrize(("name", "page", "drivers"), [
    ("stock", 4096, ["virtio_net"]),
    ("mscc", 16384, ["virtio_blk", "virtio_console", "virtio_net", "virtio_rproc_serial"]),
])
def test_console_of_a_real_boot(name, page, drivers):
    figures, status = armbench.parse_console((CONSOLES / f"{name}.log").read_text())
    by = {f["metric"]: f for f in figures}
    assert status == 0
    assert by["page_size"]["value"] == page
    assert by["virtio_drivers"]["items"] == drivers and by["virtio_drivers"]["value"] == len(drivers)
    assert by["kernel_size"]["value"] is None  # no /boot in the initramfs: the host measures it
    assert by["memory_used"]["value"] > 0 and by["boot_to_userspace"]["value"] > 0


def test_console_without_the_end_has_no_status():
    figures, status = armbench.parse_console("MSCC-BENCH-BEGIN\n{\"metric\":\"a\",\"value\":1}\n{broken\n")
    assert status is None and figures == [{"metric": "a", "value": 1}]


def _fig(metric, value, n=1, **extra):
    return {"metric": metric, "value": value, "unit": "s", "method": "m", "repetitions": n,
            "min": value, "max": value, **extra}


def test_merge_over_boots():
    runs = [[_fig("boot", 3.0), _fig("page", 4096), _fig("gone", None, 0), _fig("dev", 1, items=["a"])],
            [_fig("boot", 1.0), _fig("page", 4096), _fig("gone", None, 0), _fig("dev", 1, items=["a"])],
            [_fig("boot", 2.0), _fig("page", 4096), _fig("gone", None, 0), _fig("dev", 2, items=["a", "b"])]]
    merged = {f["metric"]: f for f in armbench.merge(runs)}
    assert (merged["boot"]["value"], merged["boot"]["min"], merged["boot"]["max"]) == (2, 1.0, 3.0)
    assert merged["boot"]["repetitions"] == 3
    assert merged["page"]["min"] == merged["page"]["max"] == merged["page"]["value"] == 4096  # still exact
    assert merged["gone"]["value"] is None
    assert merged["dev"]["items"] == ["a", "b"] and "differs between boots" in merged["dev"]["method"]


def test_host_figures(tmp_path):
    kernel = tmp_path / "Image"
    kernel.write_bytes(b"ARM64 image " * 1000)
    boots = [armbench.Boot("", 4.0, 6.0), armbench.Boot("", 5.0, 7.0), armbench.Boot("", None, 9.0)]
    by = {f["metric"]: f for f in armbench.host_figures(kernel, boots)}
    assert by["kernel_size"]["value"] == 12000 and by["kernel_size"]["min"] == by["kernel_size"]["max"] == 12000
    assert 0 < by["kernel_size_gzip"]["value"] < 12000
    assert by["boot_to_init_host"]["repetitions"] == 2 and by["boot_to_init_host"]["value"] == 4.5
    none = {f["metric"]: f for f in armbench.host_figures(kernel, [armbench.Boot("", None, 1.0)])}
    assert none["boot_to_init_host"]["value"] is None


def test_listings_compare_by_difference_never_by_ratio():
    a = _fig("virtio_drivers", 1, items=["virtio_net"])
    b = _fig("virtio_drivers", 2, items=["virtio_blk", "virtio_net"])
    assert ratio(a, b) == "B adds virtio_blk" and difference(b, a) == "B lacks virtio_blk"
    assert ratio(a, a) == "same"
    rows = table({"virtio_drivers": a}, {"virtio_drivers": b | {"items": ["x|y"]}}, ("A", "B"))
    assert "x\\|y" in rows[2] and rows[2].count(" | ") == 3  # a pipe in a name never adds a column


@pytest.mark.skipif(shutil.which("getconf") is None, reason="no getconf")
def test_bench_sh_reports_page_size_and_virtio_on_this_host(tmp_path):
    """On this host, not in a guest: no zpool here, so bench.sh stops after the system figures."""
    script = tmp_path / "bench.sh"
    script.write_text(_bench_sh())
    proc = subprocess.run(["sh", str(script)], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          env={"PATH": "/usr/bin:/bin", "KERNEL": str(tmp_path / "absent")})
    assert proc.returncode == 0, proc.stderr
    by = {f["metric"]: f for f in map(json.loads, proc.stdout.splitlines())}
    assert by["page_size"]["value"] == os.sysconf("SC_PAGE_SIZE") and by["page_size"]["method"] == "getconf PAGESIZE"
    listing = by["virtio_drivers"]
    if os.path.isdir("/sys/bus/virtio/drivers"):
        assert listing["items"] == sorted(os.listdir("/sys/bus/virtio/drivers"))
        assert listing["value"] == len(listing["items"]) and by["virtio_devices"]["unit"] == "items"
    else:
        assert listing["value"] is None and listing["method"].startswith("no /sys/bus/virtio")


def test_boot_times_the_init_line_from_the_hosts_side(tmp_path):
    """A stand-in for QEMU that prints a console and exits: each line is timed as it arrives."""
    code = ("import time; print('kernel', flush=True); time.sleep(0.3); "
            f"print({armbench.USERSPACE!r} + chr(13), flush=True); print('MSCC-BENCH-BEGIN')")
    done = armbench.boot([sys.executable, "-c", code], tmp_path / "console.log", timeout=60)
    assert done.userspace_seconds is not None and 0.3 <= done.userspace_seconds <= done.seconds
    assert (tmp_path / "console.log").read_text() == f"kernel\n{armbench.USERSPACE}\nMSCC-BENCH-BEGIN\n"


def test_a_guest_that_never_powers_off_is_killed_and_reported(tmp_path):
    code = "import time; print('stuck', flush=True); time.sleep(600)"
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="did not power off within 3 s"):
        armbench.boot([sys.executable, "-c", code], tmp_path / "console.log", timeout=3)
    assert time.monotonic() - started < 30
    assert "stuck" in (tmp_path / "console.log").read_text()
