"""False alarms found by linting real configs mscc had never seen (issue 10, held-back files):
each case is a small file written for the test, of a shape those files have."""

from __future__ import annotations

import pytest
from lintutil import lint_text, need

from mscc.diagnostics import Severity
from mscc.lint import lint_paths
from mscc.lint import databases, kinds


def _loud(result) -> list[str]:
    """Errors and warnings, as `line:code`."""
    return [f"{d.span.line}:{d.code}" for d in result.diagnostics if d.severity >= Severity.WARNING]


# --- what is a kernel config, and what only sits beside one ---------------------------------

@pytest.mark.parametrize("name, text, why", [
    ("files.myboard", "define mainbus {}\ndevice cpu\nattach cpu at mainbus\nfile arch/x/cpu.c cpu\n",
     "files(5)"),
    ("majors.myboard", "device-major cons char 0\ndevice-major swap char 1 block 1\n", "files(5)"),
    ("Makefile.myboard.inc", "# $NetBSD: x $\nLINKFORMAT=\t-N\nSYSTEM_LD_TAIL_EXTRA=; echo\n", "make fragment"),
    ("GENERIC.in", "m4_divert(-1)\nm4_define(`BOARD', `1')\nm4_divert(0)m4_dnl\noptions DDB\n", "template"),
    ("kern.ldscript", "SECTIONS\n{\n  .text : { *(.text) }\n}\n", "linker script"),
])
def test_files_beside_kernel_configs_are_skipped_with_the_reason(tmp_path, name, text, why):
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = lint_paths([str(tmp_path)])
    assert result.diagnostics == [] and result.files == []
    [(_, reason)] = result.skipped
    assert why in reason
    assert kinds.detect(str(tmp_path / name), text) is None


def test_a_netbsd_config_may_declare_as_files5_does(tmp_path):
    need("netbsd")
    text = ('include "arch/evbmips/conf/std.myboard"\nmaxusers 8\n'
            "defparam opt_memsize.h MEMLIMIT\ndefflag opt_board.h BOARD_FAST\noptions BOARD_FAST\n")
    assert _loud(lint_text(tmp_path, "MYBOARD", text)) == []
    assert kinds.not_a_config("MYBOARD", text) is None  # two declarations in a config do not make it files(5)


def test_openbsd_config_spec_takes_file_and_object_lines(tmp_path):
    need("openbsd")
    text = ('machine amd64\ninclude "../../../conf/GENERIC"\noption MYOPT\n'
            "file dev/myextra.c\nobject obj/blob.o\n")
    assert _loud(lint_text(tmp_path, "MINE", text)) == []


@pytest.mark.parametrize("name, text", [
    ("MYBOARD", "# $NetBSD: x,v 1.2 2024/01/01 00:00:00 a Exp $\n# $OpenBSD: x,v 1.1 1999/01/01 a Exp $\n"
                'include "arch/arc/conf/std.arc"\nmaxusers 32\nfile-system FFS\noptions KTRACE\n'),
    ("std.myboard.g5", "machine macppc powerpc\ninclude \"conf/std\"\noptions PPC_OEA64\n"),
])
def test_netbsd_files_are_read_as_netbsd(tmp_path, name, text):
    assert kinds.detect(name, text) == "netbsd-kernel"


@pytest.mark.parametrize("name, text", [
    ("NOTES", "A note on the history\n\nLook at the sources for details; it was ported\n"
              "plan9 and many things changed since. The sources are at hand.\n"),
    ("X", "abi <abi/3.0>,\ninclude <tunables/global>\n  owner @{HOME}/.Xauthority r,\n  /tmp/.X11-unix/* rw,\n"),
    ("zfs.conf", "UserParameter = zfs.pool.health[*],/sbin/zpool list -H -o health $1\n"
                 "UserParameter = zfs.arc.size,/sbin/sysctl -n kstat.zfs.misc.arcstats.size\n"),
    ("Makefile.board.inc", "CFLAGS+=\t-mcpu=405\nLINKFORMAT=\t-N\n"),
])
def test_text_that_merely_resembles_a_config_is_not_one(tmp_path, name, text):
    assert kinds.detect(name, text) is None


@pytest.mark.parametrize("name, kind", [
    ("boot/loader.conf_wrap", "loader-conf"), ("boot/loader.conf-alix", "loader-conf"),
    ("etc/sysctl.conf_router", "sysctl-conf"), ("boot/loader.confusing", None),
])
def test_variants_of_loader_and_sysctl_names_keep_their_kind(name, kind):
    assert kinds.by_name(name) == kind


# --- syntax each system's own parser accepts ---------------------------------------------

def test_blanks_around_an_option_value(tmp_path):
    need("netbsd")
    netbsd = 'include "arch/evbsh3/conf/std.evbsh3"\noptions BSC_VAL1\t=0x0c\noptions BSC_VAL2 = 0xff\n'
    assert _loud(lint_text(tmp_path, "SHBOARD", netbsd)) == []
    need("freebsd")
    freebsd = "cpu HAMMER\nident ME\noptions MAXCPU = 8\noptions KDB\n"
    assert _loud(lint_text(tmp_path, "ME", freebsd)) == []


def test_freebsd_sysctl_conf_may_use_a_colon(tmp_path):
    text = "hw.usb.atp.tap_minimum: 2\nkern.evdev.rcpt_mask=3\n"
    assert _loud(lint_text(tmp_path, "etc/sysctl.conf", text)) == []
    # not on Linux, whose sysctl.d reads only '='
    assert _loud(lint_text(tmp_path, "sysctl.d/91-x.conf", "kernel.a = 1\nkernel.b: 2\n")) == ["2:MS712"]


def test_dev_keys_decide_nothing_about_the_os(tmp_path):
    need("zfs")
    text = "vfs.zfs.vdev.min_auto_ashift=12\ndev.igc0.eee_control=0\ndev.igc1.eee_control=0\n"
    assert _loud(lint_text(tmp_path, "etc/sysctl.conf", text)) == []


# --- Linux ---------------------------------------------------------------------------------

def test_user_mode_linux_reads_its_hosts_um_kconfig(tmp_path):
    need("kconfig")
    text = "CONFIG_3_LEVEL_PGTABLES=y\n"
    assert _loud(lint_text(tmp_path, "arch/um/configs/x86_64_defconfig", text)) == []
    # ... which a mips file does not
    assert _loud(lint_text(tmp_path, "arch/mips/configs/a_defconfig", text)) == ["1:MS701"]


@pytest.mark.parametrize("header, project", [
    ("#\n# Automatically generated make config: don't edit\n# Busybox version: 1.36.0\n#\n", "BusyBox"),
    ("#\n# Automatically generated file; DO NOT EDIT.\n# U-Boot 2021.01 Configuration\n#\n", "U-Boot"),
    ("#\n# Automatically generated file; DO NOT EDIT.\n# uClibc-ng 1.0.40 C Library Configuration\n#\n",
     "uClibc-ng"),
])
def test_other_projects_kconfig_files_are_not_linux_configs(tmp_path, header, project):
    text = header + "CONFIG_HAVE_DOT_CONFIG=y\nCONFIG_FEATURE_SOMETHING=y\n# CONFIG_OTHER is not set\n"
    (tmp_path / "board").mkdir()
    (tmp_path / "board" / "tool.config").write_text(text, encoding="utf-8")
    (tmp_path / "board" / ".config").write_text(text, encoding="utf-8")
    result = lint_paths([str(tmp_path / "board")])
    assert result.diagnostics == [] and result.files == []
    assert {why for _, why in result.skipped} == {f"a Kconfig file of {project}, not of the Linux kernel"}
    # named on the command line: a note that says what it is, not a warning
    explicit = lint_paths([str(tmp_path / "board" / ".config")])
    assert [(d.code, d.severity) for d in explicit.diagnostics] == [("MS011", Severity.NOTE)]
    assert project in explicit.diagnostics[0].message


def test_a_linux_config_header_still_reads_as_linux():
    text = "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 6.7.5 Kernel Configuration\n#\nCONFIG_X=y\n"
    assert kinds.detect("kernel.config", text) == "linux-config"
    assert kinds.detect(".config", text) == "linux-config"


# --- ZFS scripts ---------------------------------------------------------------------------

@pytest.mark.parametrize("script, flagged", [
    # Linux: md0 is an mdadm mirror of two SSDs, a fine log device
    ("mdadm --create /dev/md0 --level=1 /dev/sdb /dev/sdc\nzpool add tank log /dev/md0\n", False),
    # FreeBSD: md0 is a memory disk
    ("mdconfig -a -t swap -s 8g -u 0\nzpool add tank log /dev/md0\n", True),
    ("zpool create tank /dev/ada1 log /dev/md0\n", True),
    # which OS, nothing says: md0 could be either
    ("zpool add tank log /dev/md0\n", False),
    # a RAM disk by name is one on every OS
    ("zpool add tank log /dev/zram0\n", True),
    # an NVDIMM on a real machine; RAM only in a VM, which no profile says this is
    ("zpool add tank log /dev/pmem0\n", False),
])
def test_volatile_log_devices_by_the_os_the_script_is_for(tmp_path, script, flagged):
    result = lint_text(tmp_path, "pool.sh", "#!/bin/sh\n" + script)
    assert ("MS710" in [d.code for d in result.diagnostics]) is flagged


# --- OpenZFS parameters --------------------------------------------------------------------

def test_a_quoted_module_parameter_is_read_as_the_kernel_reads_it(tmp_path):
    need("zfs")
    text = 'options zfs "zfs_arc_max=8589934592"\noptions zfs zfs_arc_min="1073741824"\n'
    assert _loud(lint_text(tmp_path, "modprobe.d/zfs.conf", text)) == []


def test_a_parameter_only_openzfs_21_had_is_a_warning_that_names_it(tmp_path):
    need("zfs")
    result = lint_text(tmp_path, "modprobe.d/zfs.conf", "options zfs zfs_arc_meta_limit_percent=75\n")
    [finding] = [d for d in result.diagnostics if d.code == "MS704"]
    if "2.1" not in databases.zfs_series():
        pytest.skip("targets/openzfs/zfs-2.1.json missing")
    assert finding.severity == Severity.WARNING and "2.1" in finding.message


def test_a_fragment_named_for_another_kernel_is_not_judged_by_612(tmp_path):
    need("kconfig")
    text = "CONFIG_VIRTIO_BLK=y\nCONFIG_OBSOLETE_THING_FOR_TEST=y\n"
    old = lint_text(tmp_path, "guest-x86_64-5.10.config", text)
    assert [(d.code, d.severity) for d in old.diagnostics] == [("MS714", Severity.NOTE)]
    assert "5.10" in old.diagnostics[0].message
    assert _loud(lint_text(tmp_path, "guest-x86_64-6.12.config", text)) == ["2:MS701"]
    assert _loud(lint_text(tmp_path, "guest.config", text)) == ["2:MS701"]


def test_one_size_spelled_two_ways_is_a_repeat_not_a_contradiction(tmp_path):
    need("zfs")
    text = 'vfs.zfs.arc.max="4294967296"\nvfs.zfs.arc.max="4G"\nvfs.zfs.arc.min="1g"\nvfs.zfs.arc.min="2G"\n'
    result = lint_text(tmp_path, "boot/loader.conf", text)
    assert [(d.span.line, d.code) for d in result.diagnostics] == [(2, "MS705"), (4, "MS706")]
