"""Each checker on small files: what it reports, where (line and column), and what it lets be."""

from __future__ import annotations

from pathlib import Path

from lintutil import codes, lint_text, need, where
from mscc.diagnostics import Severity
from mscc.lint import lint_paths

ROOT = Path(__file__).resolve().parents[2]


# --- Linux .config and fragments ----------------------------------------------------------

def test_kconfig_names_values_and_repeats(tmp_path):
    need("kconfig")
    r = lint_text(tmp_path, "arch/arm64/configs/frag.config", "\n".join([
        "CONFIG_VIRTIO_BLKK=y",        # 1 unknown
        "CONFIG_64BIT=m",              # 2 bool given m
        "CONFIG_NR_CPUS=99999",        # 3 out of range
        "CONFIG_VIRTIO_NET=y",         # 4
        "CONFIG_VIRTIO_NET=y",         # 5 duplicate
        "# CONFIG_VIRTIO_NET is not set",  # 6 contradiction
        "CONFIG_LOCALVERSION=abc",     # 7 unquoted string
        "",
    ]))
    assert where(r, "MS701") == [(1, 1)]
    assert "CONFIG_VIRTIO_BLK" in r.diagnostics[0].hint
    assert where(r, "MS707") == [(2, 14), (3, 16)]
    assert where(r, "MS705") == [(5, 1)]
    assert where(r, "MS706") == [(6, 3)]
    assert where(r, "MS712") == [(7, 1)]


def alpine_profile(debug: str) -> str:
    """An Alpine VM profile whose kernel.debug is DEBUG."""
    return ("profile p {\n  hardware { chip = m3-pro  memory = 36GiB }\n"
            "  vm { cpus = 4  memory = 8GiB  os = alpine }\n"
            f"  kernel {{ debug = {debug} }}\n}}\n")


def test_kconfig_lock_debugging_breaks_zfs_unless_the_profile_has_no_zfs(tmp_path, write):
    need("kconfig")
    text = "CONFIG_PROVE_LOCKING=y\nCONFIG_LOCK_STAT=y\n"
    assert codes(lint_text(tmp_path, "lockdep.config", text)) == ["MS709", "MS709"]
    # without a profile it is not known whether ZFS is used: a warning when the file speaks of
    # ZFS, a note when nothing in it does (a board defconfig), none in a debug fragment
    assert {d.severity for d in lint_text(tmp_path, "lockdep.config", text).diagnostics} == {Severity.NOTE}
    zfs_host = "# the kernel of our ZFS file server\n" + text
    assert {d.severity for d in lint_text(tmp_path, "lockdep.config", zfs_host).diagnostics} == {Severity.WARNING}
    assert codes(lint_text(tmp_path, "debug.config", text)) == []
    profile = write("p.msk", alpine_profile(debug="full"))
    r = lint_text(tmp_path, "debug.config", text, profile=str(profile))
    assert "MS709" not in codes(r) and "MS708" not in codes(r)  # debug kernel, no ZFS: all intended


def test_kconfig_debug_options_in_production(tmp_path, write):
    need("kconfig")
    text = "CONFIG_KASAN=y\n# CONFIG_KCOV is not set\n"
    # nobody said what the kernel is for (a board defconfig, an upstream fragment): a note
    assert [(d.code, d.severity) for d in lint_text(tmp_path, "x.config", text).diagnostics] == [
        ("MS708", Severity.NOTE)]
    profile = write("p.msk", alpine_profile(debug="off"))
    r = lint_text(tmp_path, "x.config", text, profile=str(profile))
    assert [(d.code, d.severity) for d in r.diagnostics if d.code == "MS708"] == [("MS708", Severity.WARNING)]
    assert "meant for production" in r.diagnostics[0].message


def test_alpines_own_virt_config_has_no_bad_lines_types_or_repeats(alpine_base_config):
    need("kconfig")
    r = lint_paths([str(alpine_base_config)])
    # Only symbols renamed within the 6.12 series may show up (the config is older than the database).
    assert {d.code for d in r.diagnostics} <= {"MS701"}


def test_kconfig_header_without_a_database_is_a_note(tmp_path):
    r = lint_text(tmp_path, ".config", "# Linux/arm64 5.4.0 Kernel Configuration\nCONFIG_FOO=y\n")
    assert codes(r) == ["MS714"]
    assert r.diagnostics[0].severity is Severity.NOTE


# --- FreeBSD kernel configs ---------------------------------------------------------------

FREEBSD = """include GENERIC
ident   M3VM
options INVARIANTZ
nooptions WITNESSS
device  vtnett
options COMPAT_IA32
options SCHED_ULE
nooptions SCHED_ULE
options WITNESS
no options FOO
"""


def test_freebsd_names_and_lines(tmp_path):
    need("freebsd")
    r = lint_text(tmp_path, "M3VM", FREEBSD)
    found = {(d.code, d.span.line, d.span.column, d.severity) for d in r.diagnostics}
    assert ("MS702", 3, 9, Severity.ERROR) in found
    assert ("MS702", 4, 11, Severity.NOTE) in found         # nooptions of an unknown name, release unknown
    assert ("MS703", 5, 9, Severity.ERROR) in found
    assert ("MS702", 6, 9, Severity.ERROR) in found         # no options-compat in 14.0/15.0 trees
    assert ("MS706", 8, 11, Severity.ERROR) in found        # nooptions undoes line 7
    assert ("MS708", 9, 9, Severity.NOTE) in found          # WITNESS, and no profile says production
    assert ("MS712", 10, 1, Severity.ERROR) in found        # NetBSD syntax
    hint = next(d.hint for d in r.diagnostics if d.code == "MS702" and d.span.line == 3)
    assert "INVARIANTS" in hint


def test_freebsd_debug_options_are_fine_for_a_debug_profile(tmp_path, write):
    need("freebsd")
    profile = write("p.msk", """
profile p {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { cpus = 4  memory = 8GiB  os = freebsd  version = "14.3" }
  kernel { debug = on }
}
""")
    r = lint_text(tmp_path, "DBG", "include GENERIC\nident DBG\noptions WITNESS\n", profile=str(profile))
    assert codes(r) == []


# --- OpenBSD and NetBSD --------------------------------------------------------------------

def test_openbsd_dialect(tmp_path):
    need("openbsd")
    r = lint_text(tmp_path, "VM", "\n".join([
        "machine arm64",
        'include "../../../conf/GENERIC"',
        "option DDB",
        "option DDB",                  # 4: config(8) stops at a repeated option
        "option NOSUCHOPTION",         # 5: passed as -D; OpenBSD code reads undeclared options
        "vioblk* at virtio?",
        "viobllk* at virtio?",         # 7: unknown device
        "nodevice ahci",               # 8: no removal keyword
        "pseudo-device bpfilter 1",
        "",
    ]))
    found = {(d.code, d.span.line, d.severity) for d in r.diagnostics}
    assert found == {("MS705", 4, Severity.ERROR), ("MS703", 7, Severity.ERROR), ("MS712", 8, Severity.ERROR)}
    assert "rmoption" in next(d.hint for d in r.diagnostics if d.code == "MS712")


def test_netbsd_config_that_includes_generic64(tmp_path):
    r = lint_text(tmp_path, "GENERIC64-VM",
                  'include "arch/evbarm/conf/GENERIC64"\nno options DIAGNOSTIC\nld* at virtio?\nnooptions X\n')
    assert r.files[0][1] == "netbsd-kernel"
    assert set(codes(r)) == {"MS712"}
    assert where(r, "MS712") == [(4, 1)]


# --- loader.conf, sysctl.conf, modprobe.d ------------------------------------------------

def test_loader_conf(tmp_path):
    need("zfs")
    r = lint_text(tmp_path, "boot/loader.conf", "\n".join([
        'zfs_load="YES"',
        'vfs.zfs.arc_max="20G"',
        'vfs.zfs.arc.min="24G"',
        'vfs.zfs.arc.maxx="1"',
        'zfs_load="maybe"',
        "kern.foo bar",
        "",
    ]), memory=16 << 30)
    assert where(r, "MS713") == [(2, 1)]
    assert where(r, "MS707") == [(2, 17), (3, 17), (5, 10)]
    assert where(r, "MS704") == [(4, 1)]
    assert "vfs.zfs.arc.max" in next(d.hint for d in r.diagnostics if d.code == "MS704")
    assert where(r, "MS706") == [(5, 1)]
    assert where(r, "MS712") == [(6, 1)]


def test_arc_bound_comes_from_the_profile(tmp_path, write):
    need("zfs")
    profile = write("p.msk", """
profile p {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { cpus = 4  memory = 8GiB  os = freebsd }
}
""")
    r = lint_text(tmp_path, "loader.conf", 'vfs.zfs.arc.max="8G"\n', profile=str(profile))
    assert codes(r) == ["MS707"]
    assert "vm.memory of profile p" in r.diagnostics[0].message
    assert codes(lint_text(tmp_path, "loader.conf", 'vfs.zfs.arc.max="6G"\n', profile=str(profile))) == []


def test_sysctl_conf_bsd_and_linux(tmp_path):
    need("zfs")
    r = lint_text(tmp_path, "sysctl.conf", "vfs.zfs.arc.average_blocksize=8192\nvfs.zfs.txg.timeout=5\n"
                                            "vfs.zfs.txg.timeout=10\n")
    assert where(r, "MS715") == [(1, 1)]          # read-only once running: loader.conf only
    assert where(r, "MS706") == [(3, 1)]
    r = lint_text(tmp_path, "sysctl.d/90-zfs.conf", "; comment\nvm.swappiness = 10\n-vfs.zfs.arc.max = 1\n")
    assert where(r, "MS715") == [(3, 2)]


def test_modprobe(tmp_path):
    need("zfs")
    r = lint_text(tmp_path, "modprobe.d/zfs.conf", "\n".join([
        "options zfs zfs_arc_max=4G",
        "options zfs spl_kmem_cache_slab_limit=1 zfs_txg_timout=10",
        "options zfs zfs_arc_min=1073741824 \\",
        "  zfs_arc_max=536870912",
        "blacklist nvme",
        "instal foo",
        "options nvme poll_queues=1",
        "",
    ]))
    assert where(r, "MS707")[0] == (1, 25)                # no K/M/G suffix for module parameters
    assert where(r, "MS704") == [(2, 13), (2, 41)]
    assert "zfs_txg_timeout" in [d.hint for d in r.diagnostics if d.code == "MS704"][1]
    assert where(r, "MS712") == [(6, 1)]
    assert any(d.code == "MS707" and "above" in d.message for d in r.diagnostics)  # min above max


def test_unsafe_tunables(tmp_path):
    need("zfs")
    assert codes(lint_text(tmp_path, "modprobe.d/zfs.conf", "options zfs zil_replay_disable=1\n")) == ["MS711"]
    assert codes(lint_text(tmp_path, "modprobe.d/zfs.conf", "options zfs zil_replay_disable=0\n")) == []


# --- ZFS setup scripts --------------------------------------------------------------------

def test_zfs_script(tmp_path):
    r = lint_text(tmp_path, "zfs-setup.sh", "\n".join([
        "#!/bin/sh",
        "zpool create -o ashift=12 tank mirror /dev/vtbd1 /dev/vtbd2 log /dev/md1 cache /dev/vtbd3",
        "sudo zpool add tank log /dev/zram0",
        "zpool add tank cache /dev/ram0",     # a RAM cache is only wasteful, not unsafe
        "zfs create -o sync=disabled tank/db",
        "zfs set sync=standard tank",
        "",
    ]))
    assert where(r, "MS710") == [(2, 65), (3, 25)]
    assert where(r, "MS711") == [(5, 15)]


def test_linux_64k_pages_are_refused_from_the_alpine_table(tmp_path):
    """The linter reads the same `forbidden` table the alpine emitter checks raw lines with."""
    from mscc.lint import LintOptions, lint_paths

    frag = tmp_path / "x.fragment.config"
    frag.write_text("CONFIG_ARM64_64K_PAGES=y\n")
    result = lint_paths([str(frag)], LintOptions())
    assert "MS301" in {d.code for d in result.diagnostics}
