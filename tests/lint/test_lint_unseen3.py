"""A third pass over real configs mscc had never seen (issue 10) found no false alarm: these are
the shapes it met, each a small file written for the test, kept so a later change cannot start
flagging them (and so the true findings of that pass stay found)."""

from __future__ import annotations

from lintutil import lint_text, need

from mscc.diagnostics import Severity


def _loud(result) -> list[str]:
    """Errors and warnings, as `line:code`."""
    return [f"{d.span.line}:{d.code}" for d in result.diagnostics if d.severity >= Severity.WARNING]


def test_sysctl_d_lines_systemd_sysctl_accepts_are_quiet(tmp_path):
    # systemd-sysctl reads a leading `-` (ignore a failure), globs in a path component, `/` as
    # the separator and interface names with dots or slashes.
    text = (
        "-net.ipv4.conf.all.rp_filter = 1\n"
        "net.ipv4.conf.*.rp_filter = 2\n"
        "net/ipv4/ip_forward = 1\n"
        "net.ipv4.conf.enp3s0.forwarding = 1\n"
        "kernel.unprivileged_userns_clone = 0\n"
        "vm.page-cluster = 0\n"
        "net.bridge.bridge-nf-call-iptables = 1\n"
    )
    assert _loud(lint_text(tmp_path, "etc/sysctl.d/50-desktop.conf", text)) == []


def test_a_value_set_twice_in_a_sysctl_conf_still_warns(tmp_path):
    r = lint_text(tmp_path, "etc/sysctl.conf", "kernel.panic = 10\nvm.swappiness = 20\nkernel.panic = 10\n")
    assert _loud(r) == ["3:MS705"]
    r = lint_text(tmp_path, "etc/sysctl.conf", "net.ipv4.tcp_ecn=0\nnet.ipv4.tcp_ecn=1\n")
    assert _loud(r) == ["2:MS706"]


def test_an_openbsd_port_without_tables_gets_one_note(tmp_path):
    need("openbsd")
    text = "#\t$OpenBSD: GENERIC,v 1.1 2011/01/01 00:00:00 x Exp $\nmachine\thppa\ninclude \"../../../conf/GENERIC\"\n"
    text += "option\tUSELEDS\nmainbus0 at root\ncpu* at mainbus0 irq 31\nconfig\tbsd\tswap generic\n"
    r = lint_text(tmp_path, "sys/arch/hppa/conf/GENERIC", text)
    assert _loud(r) == []
    assert [d.code for d in r.diagnostics] == ["MS714"]


def test_a_linux_config_of_a_release_without_a_table_is_not_checked(tmp_path):
    need("kconfig")
    text = "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 4.14.0 Kernel Configuration\n#\n"
    text += "CONFIG_64BIT=y\nCONFIG_NO_SUCH_SYMBOL_ANYWHERE=y\n"
    r = lint_text(tmp_path, "config", text)
    assert _loud(r) == []
    assert "MS714" in [d.code for d in r.diagnostics]


def test_a_freebsd_10_generic_copy_is_quiet(tmp_path):
    need("freebsd")
    text = "# $FreeBSD: releng/10.3/sys/amd64/conf/GENERIC 286132 2015-07-31 15:25:07Z gjb $\n"
    text += "cpu\t\tHAMMER\nident\t\tMYKERNEL\noptions \tSCHED_ULE\noptions \tCOMPAT_FREEBSD7\n"
    text += "device\t\tfaith\ndevice\t\tpccard\ndevice\t\tcardbus\ndevice\t\txenpci\noptions \tXENHVM\n"
    assert _loud(lint_text(tmp_path, "usr/src/sys/amd64/conf/MYKERNEL", text)) == []


def test_an_include_by_path_config_nothing_marks_as_netbsd_may_use_openbsd_names(tmp_path):
    # Both config(8)s include by a path from sys/ and read `pseudo-device`: a syzkaller-style
    # config of just those lines is OpenBSD's as often as NetBSD's, so a pseudo-device OpenBSD
    # has (kcov takes `options KCOV` on NetBSD) is a note, not an error.
    need("openbsd")
    need("netbsd")
    text = 'include "arch/amd64/conf/GENERIC"\npseudo-device kcov 1\n'
    r = lint_text(tmp_path, "sys/arch/amd64/conf/SYZKALLER", text)
    assert _loud(r) == []
    [d] = [d for d in r.diagnostics if d.code == "MS703"]
    assert d.severity is Severity.NOTE and "OpenBSD" in d.message


def test_a_netbsd_only_line_or_id_keeps_the_name_an_error(tmp_path):
    need("openbsd")
    need("netbsd")
    marked = 'include "arch/amd64/conf/GENERIC"\nno options DIAGNOSTIC\npseudo-device kcov 1\n'
    assert _loud(lint_text(tmp_path, "a/sys/arch/amd64/conf/K", marked)) == ["3:MS703"]
    dated = '# $NetBSD: K,v 1.1 2024/01/01 00:00:00 x Exp $\ninclude "arch/amd64/conf/GENERIC"\npseudo-device kcov 1\n'
    assert _loud(lint_text(tmp_path, "b/sys/arch/amd64/conf/K", dated)) == ["3:MS703"]
    # a name neither BSD has stays an error
    unknown = 'include "arch/amd64/conf/GENERIC"\npseudo-device nosuchthing 1\n'
    assert _loud(lint_text(tmp_path, "c/sys/arch/amd64/conf/K", unknown)) == ["2:MS703"]


def test_a_comment_after_a_bool_or_string_value_is_read_as_kconfig_reads_it(tmp_path):
    # Kconfig takes a bool/tristate from its first character and a string up to its closing
    # quote: `CONFIG_X=y   # why` sets X=y. A note says merge_config.sh's check will complain.
    text = 'CONFIG_MODULES=y                # needed below\nCONFIG_LOCALVERSION="-lab"  # tag\n'
    r = lint_text(tmp_path, "lab.config", text)
    assert _loud(r) == []
    assert [(d.span.line, d.code) for d in r.diagnostics if d.severity is Severity.NOTE] == [(1, "MS712"), (2, "MS712")]
    # the value still counts: a second line that contradicts it is found
    r = lint_text(tmp_path, "lab2.config", "CONFIG_MODULES=y   # needed\n# CONFIG_MODULES is not set\n")
    assert _loud(r) == ["2:MS706"]


def test_a_comment_after_a_number_or_blanks_around_equals_stay_errors(tmp_path):
    # a number with a comment after it is not a valid int for Kconfig, and `CONFIG_X = y`
    # names a symbol "X " that does not exist: both lines are dropped.
    r = lint_text(tmp_path, "lab.config", "CONFIG_LOG_BUF_SHIFT=17 # 128k\nCONFIG_MODULES = y\n")
    assert _loud(r) == ["1:MS712", "2:MS712"]


def test_a_helper_script_without_pool_commands_is_a_note_when_named(tmp_path):
    # A ZFS installer's chroot or partitioning step, linted by name: mscc has nothing to say
    # about it, and that is not a problem of the script.
    text = "#!/usr/bin/env bash\nset -euo pipefail\nsgdisk --zap-all \"$1\"\nmkfs.vfat -F32 \"$1-part1\"\n"
    r = lint_text(tmp_path, "lib/partition.sh", text)
    assert _loud(r) == []
    assert [(d.code, d.severity) for d in r.diagnostics] == [("MS011", Severity.NOTE)]
    r = lint_text(tmp_path, "chroot-step", text)  # a script without the .sh name, by its #! line
    assert _loud(r) == []
    # a script that makes the pool is still linted
    r = lint_text(tmp_path, "pool.sh", "#!/bin/sh\nzpool create -o ashift=9 tank /dev/sda\n")
    assert "MS011" not in [d.code for d in r.diagnostics]
