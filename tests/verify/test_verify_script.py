"""verify.sh, run for every target against fake sysctl/zfs/getconf/uname/kldstat/kenv/modstat
that replay recorded outputs (tests/verify/fixtures, written in each system's own output
format), on a profile whose every setting holds, and with one setting changed by hand."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from recorded import FAKES, PROFILE, PROFILES
from recorded import guest as _guest

from mscc.compiler import compile_file


def _script(target: str, profile: Path = PROFILE, name: str | None = None) -> str:
    result = compile_file(str(profile), [target])
    bundle = next(b for b in result.bundles if b.directory == f"{name or PROFILES[target]}/{target}")
    return next(a.content for a in bundle.artifacts if a.kind == "verify-script")


def _run(script: str, guest: Path) -> tuple[int, list[dict], str]:
    path = guest / "verify.sh"
    path.write_text(script)
    env = {"PATH": f"{FAKES}:/usr/bin:/bin", "FIXTURES": str(guest), "VERIFY_ROOT": str(guest / "root"),
           "HOME": str(guest)}
    proc = subprocess.run(["sh", str(path)], capture_output=True, text=True, env=env, timeout=60,
                          stdin=subprocess.DEVNULL)
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()], proc.stderr


@pytest.mark.parametrize("target", sorted(PROFILES))
def test_every_setting_holds_on_the_recorded_guest(tmp_path, target):
    code, results, stderr = _run(_script(target), _guest(tmp_path, target))
    assert [r for r in results if not r["ok"]] == [], stderr
    assert code == 0 and re.search(rf"all {len(results)} settings hold", stderr)
    if target == "alpine":  # sysctl prints the vector with tabs: shown with spaces
        rmem = next(r for r in results if r["setting"] == "sysctl net.ipv4.tcp_rmem")
        assert rmem["actual"] == "4096 131072 6291456"
    for r in results:
        assert set(r) == {"setting", "wanted", "actual", "ok", "how"} and r["wanted"] and r["how"]


def test_what_alpine_verifies():
    settings = set(re.findall(r"^check '([^']*)'", _script("alpine"), re.M))
    assert {"page size", "kernel release", "device virtio-blk", "device virtio-console",
            "zfs module parameter zfs_arc_max", "zfs module parameter zfs_txg_timeout", "sysctl vm.swappiness",
            "sysctl net.ipv4.tcp_rmem", "zfs tank recordsize", "zfs tank/db recordsize", "zfs tank/db atime",
            "zfs tank compression"} <= settings


def test_what_freebsd_verifies():
    settings = set(re.findall(r"^check '([^']*)'", _script("freebsd"), re.M))
    assert {"page size", "kernel ident", "device virtio-blk", "device nvme", "loader zfs_load",
            "zfs tunable vfs.zfs.arc.max", "zfs tunable vfs.zfs.txg.timeout", "sysctl kern.ipc.somaxconn",
            "zfs tank/db recordsize"} <= settings


# one changed setting per target: (fixture file, recorded text, changed text, the setting named)
CHANGES = {
    "alpine": [("zfs-get.txt", "tank/db\trecordsize\t16384", "tank/db\trecordsize\t131072", "zfs tank/db recordsize"),
               ("sysfs.txt", "zfs_arc_max 2147483648", "zfs_arc_max 0", "zfs module parameter zfs_arc_max"),
               ("sysfs.txt", "virtio_rng\n", "virtio_rng\nsys/bus/virtio/drivers/virtio_console\n",
                "device virtio-console"),
               ("sysctl.txt", "131072\t6291456", "131072\t4194304", "sysctl net.ipv4.tcp_rmem"),
               ("uname.txt", "6.12.13-0-virt", "6.6.58-0-virt", "kernel release"),
               ("getconf.txt", "PAGESIZE 4096", "PAGESIZE 16384", "page size")],
    "freebsd": [("sysctl.txt", "vfs.zfs.arc.max: 2147483648", "vfs.zfs.arc.max: 0", "zfs tunable vfs.zfs.arc.max"),
                ("sysctl.txt", "dev.vtrnd.0.%desc: VirtIO Entropy Adapter\ndev.vtrnd.0.%driver: vtrnd\n"
                 "dev.vtrnd.0.%parent: virtio_pci1\n", "", "device virtio-rng"),
                ("sysctl.txt", "dev.pci.0.%desc", "dev.nvme.0.%desc", "device nvme"),
                ("kldstat.txt", "413 zfs\n", "\n", "loader zfs_load"),
                ("uname.txt", "MSCC_ZGUEST", "GENERIC", "kernel ident"),
                ("zfs-get.txt", "tank\tcompression\tlz4", "tank\tcompression\toff", "zfs tank compression")],
    "netbsd": [("modstat.txt", "zfs              vfs", "nfs              vfs", "module zfs"),
               ("root/var/run/dmesg.boot", "ld0 at virtio1", "sd0 at virtio1", "device virtio-blk (ld* at virtio?)"),
               ("sysctl.txt", "(MSCC_ZGUEST)", "(GENERIC64)", "kernel config"),
               ("sysctl.txt", "kern.maxvnodes = 200000", "kern.maxvnodes = 100000", "sysctl kern.maxvnodes")],
    "openbsd": [("sysctl.txt", "net.inet.ip.forwarding=1", "net.inet.ip.forwarding=0", "sysctl net.inet.ip.forwarding"),
                ("root/var/run/dmesg.boot", "viornd0 at virtio2\n", "", "device virtio-rng (viornd)"),
                ("sysctl.txt", "hw.pagesize=4096", "hw.pagesize=16384", "page size")],
}


@pytest.mark.parametrize(("target", "change"), [(t, c) for t, cs in CHANGES.items() for c in cs],
                         ids=[f"{t}-{c[3]}" for t, cs in CHANGES.items() for c in cs])
def test_one_changed_setting_fails_naming_it(tmp_path, target, change):
    *edit, setting = change
    code, results, stderr = _run(_script(target), _guest(tmp_path, target, tuple(edit)))
    failed = [r["setting"] for r in results if not r["ok"]]
    assert code == 1 and failed == [setting], (failed, stderr)
    assert f"  {setting}: wanted " in stderr


def test_a_missing_reader_is_unreadable_not_a_crash(tmp_path):
    guest = _guest(tmp_path, "freebsd")
    (guest / "zfs-get.txt").write_text("")
    code, results, _ = _run(_script("freebsd"), guest)
    zfs = [r for r in results if r["setting"].startswith("zfs tank")]
    assert code == 1 and zfs and all(r["actual"] == "unreadable" and not r["ok"] for r in zfs)


HOSTILE = '''
profile h {
  hardware { chip = m2  memory = 16GiB }
  vm { hypervisor = qemu  memory = 4GiB  os = alpine }
  raw alpine { sysctl = ["kernel.domainname = $(touch pwned) `touch pwned` ;|&<>*? $HOME"] }
}
'''


def test_hostile_values_are_data_in_the_script_and_in_the_json(tmp_path):
    source = tmp_path / "h.msk"
    source.write_text(HOSTILE)
    script = _script("alpine", source, "h")
    guest = _guest(tmp_path, "alpine")
    (guest / "sysctl.txt").write_text("kernel.domainname = $(touch pwned) `touch pwned` ;|&<>*? $HOME\n")
    cwd = os.getcwd()
    try:
        os.chdir(guest)
        _, results, _ = _run(script, guest)  # the devices differ from the fixture; this is about quoting
    finally:
        os.chdir(cwd)
    assert not (guest / "pwned").exists()
    domain = next(r for r in results if r["setting"] == "sysctl kernel.domainname")
    assert domain["wanted"] == domain["actual"] == "$(touch pwned) `touch pwned` ;|&<>*? $HOME" and domain["ok"]


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
@pytest.mark.parametrize("target", sorted(PROFILES))
def test_shellcheck_posix(tmp_path, target):
    path = tmp_path / "verify.sh"
    path.write_text(_script(target))
    proc = subprocess.run(["shellcheck", "-s", "sh", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_every_reader_is_a_function_of_the_script():
    from mscc.verify.checks import READERS

    template = (Path(__file__).parents[2] / "targets/common/templates/verify.sh.j2").read_text()
    defined = set(re.findall(r"^([a-z_]+)\(\) \{", template, re.M))
    assert set(READERS) <= defined
