"""bench.sh: shellcheck POSIX for every target, and a Linux run against fake zpool/zfs/dmesg
and recorded OpenZFS kstats (the pool's data really goes through dd into a directory)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from mscc.compiler import compile_file

HERE = Path(__file__).parent
FAKES = HERE / "fakes"
FIXTURES = HERE / "fixtures"
PROFILES = {"alpine": "zguest", "freebsd": "zguest", "netbsd": "zguest", "openbsd": "plain"}


def _script(target: str) -> str:
    result = compile_file(str(HERE / "guest.msk"), [target])
    bundle = next(b for b in result.bundles if b.directory == f"{PROFILES[target]}/{target}")
    return next(a.content for a in bundle.artifacts if a.kind == "bench-script")


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
@pytest.mark.parametrize("target", sorted(PROFILES))
def test_shellcheck_posix(tmp_path, target):
    path = tmp_path / "bench.sh"
    path.write_text(_script(target))
    proc = subprocess.run(["shellcheck", "-s", "sh", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.skipif(shutil.which("time") is None, reason="no time utility (POSIX time -p)")
def test_linux_bench_measures_every_figure_with_its_spread(tmp_path):
    guest = tmp_path / "guest"
    shutil.copytree(FIXTURES / "alpine", guest)
    kernel = tmp_path / "vmlinuz"
    kernel.write_bytes(b"\0" * 12345)
    script = tmp_path / "bench.sh"
    script.write_text(_script("alpine"))
    env = {"PATH": f"{FAKES}:/usr/bin:/bin", "FIXTURES": str(guest), "HOME": str(tmp_path),
           "KSTAT_DIR": str(FIXTURES / "kstat"), "BENCH_DIR": str(tmp_path / "vdevs"), "KERNEL": str(kernel),
           "REPEAT": "3", "DATA_MIB": "2", "VDEV_GIB": "1"}
    proc = subprocess.run(["sh", str(script)], capture_output=True, text=True, env=env, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    figures = {f["metric"]: f for f in map(json.loads, proc.stdout.splitlines())}
    assert figures["kernel_size"]["value"] == 12345 and figures["kernel_size"]["unit"] == "bytes"
    assert figures["boot_to_userspace"]["value"] == pytest.approx(0.418901)
    assert figures["memory_used"]["value"] > 0
    assert figures["checksum fletcher_4 avx2"]["value"] == 19658720130
    assert "checksum fletcher_4 fastest" not in figures
    assert figures["checksum blake3-avx2 @16m"]["value"] == 2853
    assert figures["checksum blake3-avx2 @16m"]["unit"] == "MiB/s"
    assert figures["checksum edonr-generic @256k"]["value"] == 1453  # 1m and larger not measured (0)
    for metric in ("pool_create", "scrub"):
        f = figures[metric]
        assert f["repetitions"] == 3 and f["min"] <= f["value"] <= f["max"] and f["method"], f
    # 2 MiB from the page cache can read in less than time -p's 10 ms: such a run has no rate
    for rate in (figures["seq_write"], figures["seq_read"]):
        assert rate["repetitions"] <= 3 and (rate["repetitions"] == 0 or rate["min"] <= rate["value"] <= rate["max"])
    assert not list((tmp_path / "vdevs").iterdir())  # the file vdevs are removed
