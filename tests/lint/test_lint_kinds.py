"""File kinds: by name first, then by content."""

from __future__ import annotations

import pytest

from mscc.lint.kinds import detect, sniff, worth_reading


@pytest.mark.parametrize("path, kind", [
    ("a/b/m3.msk", "msk"),
    ("boot/loader.conf", "loader-conf"),
    ("boot/loader.conf.local", "loader-conf"),
    ("boot/loader.conf.d/zfs.conf", "loader-conf"),
    ("etc/sysctl.conf", "sysctl-conf"),
    ("etc/sysctl.d/90-zfs.conf", "sysctl-conf"),
    ("etc/modprobe.d/zfs.conf", "modprobe-conf"),
    ("linux/.config", "linux-config"),
])
def test_by_name(path, kind):
    assert detect(path, "") == kind


@pytest.mark.parametrize("text, kind", [
    ("CONFIG_A=y\n# CONFIG_B is not set\n", "linux-config"),
    ("include GENERIC\nident M\nnooptions WITNESS\n", "freebsd-kernel"),
    ("cpu ARM64\nident M\ndevice vtnet\n", "freebsd-kernel"),
    ('include "arch/evbarm/conf/GENERIC64"\nno options DIAGNOSTIC\n', "netbsd-kernel"),
    ("ld* at virtio?\npseudo-device bpfilter\n", "netbsd-kernel"),
    ('machine arm64\ninclude "../../../conf/GENERIC"\noption DDB\nrmoption WITNESS\n', "openbsd-kernel"),
    ("options zfs zfs_arc_max=1\nblacklist nvme\n", "modprobe-conf"),
    ('zfs_load="YES"\nvfs.zfs.arc.max="4G"\n', "loader-conf"),
    ("vfs.zfs.txg.timeout=5\nkern.ipc.maxsockbuf=1\n", "sysctl-conf"),
    ("hello world\n", None),
    ("", None),
])
def test_by_content(text, kind):
    assert sniff(text) == kind
    assert detect("KERNEL", text) == kind


def test_names_decide_before_content():
    assert detect("etc/modprobe.d/x.conf", "CONFIG_A=y\n") == "modprobe-conf"


def test_fragment_of_only_unset_lines_is_still_kconfig():
    assert detect("x.config", "#CONFIG_A is not set\n") == "linux-config"


def test_scripts_only_when_they_set_up_zfs():
    assert detect("setup.sh", "zpool create tank /dev/vtbd1\n") == "zfs-script"
    assert detect("build.sh", "make buildkernel\n") is None


def test_manifest_only_when_mscc_wrote_it():
    assert detect("out/m3/freebsd/manifest.json", '{"generator": "mscc 0.1.0"}') == "mscc-output"
    assert detect("node/manifest.json", '{"name": "x"}') is None


@pytest.mark.parametrize("name, wanted", [
    ("GENERIC", True), ("m3.conf", True), ("x.msk", True), ("README.md", False), ("setup.py", False),
])
def test_directory_walks_read_only_candidates(name, wanted):
    assert worth_reading(f"dir/{name}") is wanted
