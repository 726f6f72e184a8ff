"""Issue 10: lint judges a file for its architecture and release, accepts the syntax the real
tools accept, and finds what it used to miss. Cases in our own words, one per cause."""

from __future__ import annotations

import pytest
from conftest import compile_text
from lintutil import codes, lint_text, need

from mscc.diagnostics import Severity
from mscc.lint import databases


def found(result, severity=Severity.WARNING):
    return sorted((d.code, d.span.line) for d in result.diagnostics if d.severity >= severity)


# --- 1. architecture ----------------------------------------------------------------------

AMD64_BITS = "device psm\ndevice atkbdc\ndevice vga\noptions VESA\n"


@pytest.mark.parametrize("head", ["cpu HAMMER\nident X\n", "machine amd64\n", "include GENERIC\n"])
def test_freebsd_amd64_names_are_fine_for_amd64_or_an_unknown_arch(tmp_path, head):
    need("freebsd")
    assert found(lint_text(tmp_path, "KERNEL", head + AMD64_BITS)) == []


def test_freebsd_amd64_path_and_arch_option(tmp_path):
    need("freebsd")
    assert found(lint_text(tmp_path, "sys/amd64/conf/MINE", "include GENERIC\n" + AMD64_BITS)) == []
    r = lint_text(tmp_path, "MINE", "include GENERIC\n" + AMD64_BITS, arch="arm64")
    assert {c for c, _ in found(r)} == {"MS702", "MS703"}
    psm = next(d for d in r.diagnostics if "psm" in d.message)
    assert "arm64" in psm.message and "amd64" in psm.message and "--arch" in psm.hint


def test_unknown_arch_a_name_no_architecture_has_is_an_error(tmp_path):
    need("freebsd")
    r = lint_text(tmp_path, "KERNEL", "include GENERIC\ndevice nosuchthing\n")
    assert found(r, Severity.ERROR) == [("MS703", 2)]
    assert "any architecture" in r.diagnostics[0].message


def test_did_you_mean_only_close_names_of_the_same_architecture(tmp_path):
    need("freebsd")
    r = lint_text(tmp_path, "KERNEL", "machine arm64\ndevice virtio_blkk\ndevice psm\ndevice zzqqxx\n")
    hints = [d.hint or "" for d in r.diagnostics]
    assert "'virtio_blk'" in hints[0]
    assert "mpt" not in hints[1] and "amd64" in r.diagnostics[1].message
    assert "did you mean" not in hints[2]


def test_openbsd_amd64_generic_style_lines(tmp_path):
    need("openbsd")
    text = "machine amd64\ninclude \"../../../conf/GENERIC\"\noption WS_KERNEL_FG=WSCOL_BLUE\n" \
           "pckbc0 at isa?\npckbd* at pckbc?\npseudo-device pctr 1\n"
    assert found(lint_text(tmp_path, "GENERIC", text)) == []
    r = lint_text(tmp_path, "GENERIC", text.replace("amd64", "arm64"))
    assert ("MS703", 6) in found(r)  # pctr: amd64 and i386 only


def test_netbsd_amd64_and_xen_devices(tmp_path):
    need("netbsd")
    text = 'include "arch/amd64/conf/std.amd64"\nmachine amd64 x86 xen\nballoon0 at xenbus?\n' \
           "nosuchdev0 at pci?\n"
    r = lint_text(tmp_path, "XENVM", text)
    assert found(r) == [("MS703", 4)]
    assert r.diagnostics[0].severity is Severity.ERROR  # NetBSD's config(1) stops at an unknown device


def test_linux_multi_arch_fragment_and_an_arm64_file(tmp_path):
    need("kconfig")
    text = "CONFIG_KVM_GUEST=y\nCONFIG_S390_GUEST=y\nCONFIG_VIRTIO_BLK=y\n"
    assert found(lint_text(tmp_path, "guest.config", text)) == []
    r = lint_text(tmp_path, "arch/arm64/configs/guest.config", text)
    assert [c for c, _ in found(r)] == ["MS701", "MS701"]
    assert "x86" in r.diagnostics[0].message and r.diagnostics[0].severity is Severity.WARNING
    assert found(lint_text(tmp_path, "guest.config", "CONFIG_NO_SUCH_SYMBOL_AT_ALL=y\n")) == [("MS701", 1)]


# --- 2. release ---------------------------------------------------------------------------

def test_a_stated_old_release_is_one_note_not_errors(tmp_path):
    need("freebsd")
    text = "#\n# $FreeBSD: releng/12.1/sys/amd64/conf/GENERIC 1 2019-01-01 x $\ncpu HAMMER\n" \
           "options ACPI_DMAR\ndevice nosuchdevice\n"
    r = lint_text(tmp_path, "KERNEL", text)
    assert codes(r) == ["MS714"] and "12.1" in r.diagnostics[0].message
    assert r.diagnostics[0].severity is Severity.NOTE


def test_release_from_newest_compat_option(tmp_path):
    need("freebsd")
    text = "cpu HAMMER\noptions COMPAT_FREEBSD32\noptions COMPAT_FREEBSD13\noptions NOSUCHOPT\n"
    r = lint_text(tmp_path, "KERNEL", text)
    assert found(r) == [("MS702", 4)]
    d = r.diagnostics[0]
    assert "FreeBSD 14 amd64" in d.message and d.severity is Severity.WARNING and "COMPAT_FREEBSD13" in d.hint
    assert codes(lint_text(tmp_path, "KERNEL", "cpu HAMMER\noptions COMPAT_FREEBSD11\n")) == ["MS714"]


def test_linux_point_release_names_are_warnings_that_say_so(tmp_path):
    need("kconfig")
    r = lint_text(tmp_path, ".config", "# Linux/arm64 6.12.43 Kernel Configuration\nCONFIG_GONE_IN_A_POINT=y\n")
    d = r.diagnostics[0]
    assert d.code == "MS701" and d.severity is Severity.WARNING and "6.12.43" in d.message


def test_zfs_names_without_a_profile_are_judged_against_every_release(tmp_path):
    need("zfs")
    r = lint_text(tmp_path, "modprobe.d/zfs.conf", "options zfs zfs_no_such_param=1\n")
    series = databases.zfs_series()  # every release mscc has a table for, oldest to newest
    assert f"{series[0]}–{series[-1]}" in r.diagnostics[0].message


# --- 3. syntax the tools accept -------------------------------------------------------------

def test_freebsd_config5_keywords_and_cumulative_cpu(tmp_path):
    need("freebsd")
    text = "cpu I486_CPU\ncpu I586_CPU\ncpu I686_CPU\nident X\nenvvar hint.uart.0.disabled=1\n" \
           "includeoptions \"std.x\"\nhints \"X.hints\"\nmakeoptions DEBUG=-g\n"
    assert found(lint_text(tmp_path, "KERNEL", text)) == []


def test_netbsd_sysctl_set_if_present(tmp_path):
    r = lint_text(tmp_path, "etc/sysctl.conf", "# $NetBSD: sysctl.conf,v 1.8 2011/09/25 x Exp $\nddb.onpanic?=0\n"
                                               "kern.defcorename=%n.core\n")
    assert found(r) == []


def test_netbsd_config_that_starts_with_an_include_is_netbsd(tmp_path):
    r = lint_text(tmp_path, "MYVM", 'include "arch/evbarm/conf/GENERIC64"\noptions PMAP_MI\n')
    assert r.files[0][1] == "netbsd-kernel" and found(r) == []


# --- 4. advisories in context ---------------------------------------------------------------

def test_freebsd_release_generic_debug_options_are_not_advisories(tmp_path):
    need("freebsd")
    r = lint_text(tmp_path, "KERNEL", "cpu HAMMER\noptions USB_DEBUG\noptions HID_DEBUG\noptions WITNESS\n")
    assert [line for code, line in found(r, Severity.NOTE) if code == "MS708"] == [4]  # a note: no profile
    assert found(lint_text(tmp_path, "GENERIC-DEBUG", "cpu HAMMER\noptions WITNESS\n")) == []


def test_debug_fragment_has_no_debug_advisories(tmp_path):
    need("kconfig")
    assert found(lint_text(tmp_path, "configs/debug.config", "CONFIG_KASAN=y\nCONFIG_PROVE_LOCKING=y\n")) == []
    assert [c for c, _ in found(lint_text(tmp_path, "x.config", "CONFIG_KASAN=y\n"), Severity.NOTE)] == ["MS708"]


# --- 5. what it used to miss ----------------------------------------------------------------

def test_sync_disabled_in_functions_continuations_zpool_and_variables(tmp_path):
    script = """#!/bin/sh
SYNC='disabled'
PROPS="-O atime=off -O sync=${SYNC}"
setup() {
\tzfs set sync=disabled tank/db
}
zfs create \\
  -o recordsize=16k \\
  -o sync=disabled \\
  tank/mysql
zpool create tank $PROPS /dev/vdb
zfs set sync=standard tank
"""
    r = lint_text(tmp_path, "setup.sh", script)
    assert found(r) == [("MS711", 5), ("MS711", 9), ("MS711", 11)]


def test_arc_min_equal_to_arc_max(tmp_path):
    need("zfs")
    r = lint_text(tmp_path, "modprobe.d/zfs.conf", "options zfs zfs_arc_max=4294967296 zfs_arc_min=4294967296\n")
    assert found(r) == [("MS707", 1)] and "equals" in r.diagnostics[0].message


def test_modprobe_trailing_comment_is_passed_to_the_module(tmp_path):
    need("zfs")
    r = lint_text(tmp_path, "modprobe.d/zfs.conf", "# ok\noptions zfs zfs_txg_timeout=10  # seconds\n")
    assert found(r) == [("MS712", 2)] and "seconds" in r.diagnostics[0].message


def test_freebsd_nodevice_without_commas(tmp_path):
    need("freebsd")
    r = lint_text(tmp_path, "KERNEL", "cpu HAMMER\nnodevice ppc ppbus lpt\nnodevice ppc, ppbus\n")
    assert found(r, Severity.ERROR) == [("MS712", 2)]


def test_nooptions_undone_by_a_later_std_debug(tmp_path):
    need("freebsd")
    r = lint_text(tmp_path, "KERNEL", 'cpu HAMMER\nnooptions WITNESS\ninclude "std.debug"\n')
    assert found(r) == [("MS706", 3)] and "WITNESS" in r.diagnostics[0].message
    assert found(lint_text(tmp_path, "KERNEL", 'cpu HAMMER\ninclude "std.debug"\nnooptions WITNESS\n')) == []


def test_arc_free_target_counts_pages(tmp_path):
    need("zfs")
    r = lint_text(tmp_path, "etc/sysctl.conf", "vfs.zfs.arc.free_target=4294967296\n")
    assert ("MS707", 1) in found(r) and "pages" in next(d.message for d in r.diagnostics if d.code == "MS707")
    assert "MS707" not in codes(lint_text(tmp_path, "etc/sysctl.conf", "vfs.zfs.arc.free_target=65536\n"))


# --- 6. directory walks ---------------------------------------------------------------------

def test_directory_walk_reads_by_content_and_reports_what_it_skipped(tmp_path):
    from mscc.lint import lint_paths

    (tmp_path / "boot").mkdir()
    (tmp_path / "boot/loader.conf.sample").write_text('zfs_load="YES"\n')
    (tmp_path / "boot/loader.conf.rpi").write_text('zfs_load="YES"\n')
    (tmp_path / "h9k").write_text("cpu HAMMER\nident h9k\ndevice psm\n")
    (tmp_path / "skylake.kernel").write_text("cpu HAMMER\nident sk\noptions SCHED_ULE\n")
    (tmp_path / "notes.md").write_text("# notes\n")
    (tmp_path / "random").write_text("hello world\n")
    r = lint_paths([str(tmp_path)])
    kinds = {p.rsplit("/", 1)[-1]: k for p, k in r.files}
    assert kinds == {"loader.conf.sample": "loader-conf", "loader.conf.rpi": "loader-conf",
                     "h9k": "freebsd-kernel", "skylake.kernel": "freebsd-kernel"}
    assert {(p.rsplit("/", 1)[-1], why) for p, why in r.skipped} == {
        ("notes.md", "not a configuration file by its name"), ("random", "content not recognised")}


def test_cli_summary_names_the_skipped_files(tmp_path, run_cli):
    (tmp_path / "README.md").write_text("x\n")
    (tmp_path / "loader.conf").write_text('zfs_load="YES"\n')
    r = run_cli("lint", str(tmp_path))
    assert r.exit_code == 0 and "skipped 1" in r.output and "README.md" in r.output


# --- 7. names exactly as config(8) takes them ------------------------------------------------

def test_freebsd_device_names_are_case_sensitive_and_negated_words_are_not_devices(tmp_path):
    need("freebsd")
    assert found(lint_text(tmp_path, "KERNEL", "cpu HAMMER\ndevice iwm7265Dfw\n")) == []
    r = lint_text(tmp_path, "KERNEL", "cpu HAMMER\ndevice iwm7265dfw\ndevice random_loadable\n")
    assert found(r) == [("MS703", 2), ("MS703", 3)]


# --- 8. compile and lint give one verdict ------------------------------------------------------

ALPINE = """
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = qemu  cpus = 4  memory = 8GiB  os = alpine  version = "%s" }
  zfs { arc_max = 2GiB }
  raw alpine { modprobe = ["zfs_arc_shrinker_seeks=2"] }
}
"""


@pytest.mark.parametrize("version, refused", [("3.21", True), ("3.22", False)])
def test_a_parameter_newer_than_the_shipped_release_in_compile_and_lint(tmp_path, write, version, refused):
    need("zfs")
    compiled = compile_text(tmp_path, ALPINE % version, target="alpine")
    profile = write("p.msk", ALPINE % version)
    linted = lint_text(tmp_path, "modprobe.d/zfs.conf", "options zfs zfs_arc_shrinker_seeks=2\n",
                       profile=str(profile))
    assert (not compiled.ok) is refused
    assert ("MS704" in codes(linted)) is refused
    if refused:
        assert "2.2.7" in linted.diagnostics[0].hint


FREEBSD = """
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = qemu  cpus = 4  memory = 8GiB  os = freebsd  version = "14.3" }
  raw freebsd { loader = ["%s"] }
}
"""


@pytest.mark.parametrize("line, valid", [
    ('kern.maxproc=\\"4000\\"  # more processes', True),
    ('kern.maxproc=\\"4000\\"', True),
    ('kern.max,proc=\\"4000\\"', False),
])
def test_a_loader_line_reads_the_same_in_compile_and_lint(tmp_path, line, valid):
    compiled = compile_text(tmp_path, FREEBSD % line, target="freebsd")
    linted = lint_text(tmp_path, "boot/loader.conf", line.replace('\\"', '"') + "\n")
    assert ("MS603" not in [d.code for d in compiled.diagnostics]) is valid
    assert ("MS712" not in codes(linted)) is valid


RAW_KERNEL = """
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = qemu  cpus = 4  memory = 8GiB  os = freebsd  version = "15.0" }
  raw freebsd { kernel = ["device %s"] }
}
"""


@pytest.mark.parametrize("name, valid", [("iwm7265Dfw", True), ("rtwn-rtl8192cfwE", True),
                                         ("iwm7265dfw", False), ("random_loadable", False)])
def test_compile_takes_device_names_as_config8_does(tmp_path, name, valid):
    need("freebsd")
    compiled = compile_text(tmp_path, RAW_KERNEL % name, target="freebsd")
    linted = lint_text(tmp_path, "KERNEL", f"machine arm64\ndevice {name}\n")
    assert ("MS603" not in [d.code for d in compiled.diagnostics]
            and not [d for d in compiled.diagnostics if "device" in d.message and name in d.message]) is valid
    assert ("MS703" not in codes(linted)) is valid


def test_values_of_per_architecture_symbols_are_not_judged_by_arm64s_definition(tmp_path):
    need("kconfig")
    x86 = "# Linux/x86_64 6.12.117 Kernel Configuration\nCONFIG_NR_CPUS=8192\nCONFIG_64BIT=y\n"
    assert found(lint_text(tmp_path, ".config", x86)) == []
    arm64 = "# Linux/arm64 6.12.117 Kernel Configuration\nCONFIG_NR_CPUS=99999\n"
    assert found(lint_text(tmp_path, ".config", arm64)) == [("MS707", 2)]
    # architecture unknown: types still hold everywhere, a per-architecture range need not
    assert found(lint_text(tmp_path, "frag.config", "CONFIG_NR_CPUS=8192\nCONFIG_64BIT=m\n")) == [("MS707", 2)]


def test_bsd_file_older_than_the_tables_gets_notes(tmp_path):
    need("netbsd")
    head = "# $NetBSD: GENERIC,v 1.500 %s 12:00:00 someone Exp $\nmachine amd64 x86\n"
    body = "oldthing0 at pci?\n"
    old = lint_text(tmp_path, "GENERIC", head % "2019/05/01" + body)
    new = lint_text(tmp_path, "GENERIC", head % "2024/06/01" + body)  # within the tables' dates
    # the release it was written for may have had the name: a note, never an alarm
    assert [d.severity for d in old.diagnostics] == [Severity.NOTE] and "2019-05-01" in old.diagnostics[0].hint
    # a -current file written after the newest table may name a device added since: a warning
    newer = lint_text(tmp_path, "GENERIC", head % "2099/06/01" + body)
    assert [d.severity for d in newer.diagnostics] == [Severity.WARNING] and "added since" in newer.diagnostics[0].hint
    assert [d.severity for d in new.diagnostics] == [Severity.ERROR]


def test_netbsd_dash_no_and_readme_files(tmp_path):
    need("netbsd")
    r = lint_text(tmp_path, "MODULAR", 'include "arch/amd64/conf/GENERIC"\n-no acpicpu* at cpu?\n-no gone0 at cpu0\n')
    assert found(r, Severity.NOTE) == []
    readme = "#\t$NetBSD: README.evbarm,v 1.1 2020/01/01 x Exp $\n\nADI_BRH\t\tan evaluation board\nGENERIC64\tarm64\n"
    from mscc.lint import kinds
    assert kinds.detect("conf/README.evbarm", readme) is None and not kinds.worth_reading("conf/README.evbarm")


def test_freebsd_config_with_its_own_files_table(tmp_path):
    need("freebsd")
    r = lint_text(tmp_path, "std.board", 'files "../board/files.board"\ndevice board_gpio\n', arch="riscv")
    assert found(r) == [] and [d.severity for d in r.diagnostics] == [Severity.NOTE]


def test_a_symlinked_fragment_is_judged_where_it_points(tmp_path):
    need("kconfig")
    from mscc.lint import lint_paths

    (tmp_path / "kernel/configs").mkdir(parents=True)
    (tmp_path / "arch/powerpc/configs").mkdir(parents=True)
    (tmp_path / "kernel/configs/guest.config").write_text("CONFIG_S390_GUEST=y\nCONFIG_KVM_GUEST=y\n")
    (tmp_path / "arch/powerpc/configs/guest.config").symlink_to("../../../kernel/configs/guest.config")
    r = lint_paths([str(tmp_path / "arch/powerpc/configs/guest.config")])
    assert found(r) == []


@pytest.mark.parametrize("text", ["\\\\\n", "options zfs zfs_arc_max=1 \\\\", "\\\\\n\\\\\n"])
def test_modprobe_continuation_into_nothing(tmp_path, text):
    r = lint_text(tmp_path, "modprobe.d/zfs.conf", text)
    assert all(d.code != "MS000" for d in r.diagnostics)
