"""Raw escape hatches for alpine: Kconfig lines checked against the symbol database (no kernel
tree needed), modprobe lines against the OpenZFS release Alpine ships, sysctl lines for shape."""

from __future__ import annotations

import pytest

from conftest import codes_of, compile_text

HEAD = """
profile vm {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = qemu  cpus = 4  memory = 8GiB  os = alpine  version = "%s" }
  zfs { arc_max = 2GiB }
"""


def compile_raw(tmp_path, body: str, version: str = "3.22"):
    return compile_text(tmp_path, HEAD % version + body + "\n}\n", target="alpine")


def only(result, code):
    found = [d for d in result.diagnostics if d.code == code]
    assert len(found) == 1, result.diagnostics
    return found[0]


def test_valid_raw_kernel_lines_are_emitted_last(tmp_path):
    result = compile_raw(tmp_path, 'raw alpine { kernel = ["CONFIG_IKCONFIG=y", "CONFIG_NR_CPUS=64", '
                                   '"# CONFIG_SWAP is not set", "CONFIG_CMDLINE=\\"quiet\\""] }')
    assert result.ok and not result.diagnostics, result.diagnostics
    for bundle in result.bundles:
        for artifact in bundle.artifacts:
            if artifact.kind == "kernel-config":
                tail = artifact.content.rstrip().splitlines()[-4:]
                assert tail == ["CONFIG_IKCONFIG=y", "CONFIG_NR_CPUS=64", "# CONFIG_SWAP is not set",
                                'CONFIG_CMDLINE="quiet"']


def test_misspelt_symbol_gets_did_you_mean(tmp_path):
    d = only(compile_raw(tmp_path, 'raw alpine { kernel = ["CONFIG_VIRTIO_BLKK=y"] }'), "MS604")
    assert "VIRTIO_BLKK" in d.message and "CONFIG_VIRTIO_BLK" in d.hint
    assert d.span.line == 6  # the raw string, not the block


@pytest.mark.parametrize("line,why", [
    ("CONFIG_VIRTIO_BLK=yes", "tristate"),
    ("CONFIG_BLK_DEV_INITRD=m", "bool"),       # a bool cannot be a module
    ("CONFIG_NR_CPUS=lots", "int"),
    ('CONFIG_CMDLINE=quiet', "string"),          # unquoted string: a bad line for Kconfig
])
def test_wrong_type_or_value(tmp_path, line, why):
    result = compile_raw(tmp_path, f'raw alpine {{ kernel = ["{line}"] }}')
    assert {"MS620", "MS603"} & set(codes_of(result)), result.diagnostics
    assert not result.ok


def test_symbol_without_prompt_cannot_be_set(tmp_path):
    d = only(compile_raw(tmp_path, 'raw alpine { kernel = ["CONFIG_ZLIB_INFLATE=y"] }'), "MS621")
    assert "no prompt" in d.message


def test_64k_pages_in_a_raw_line_is_ms301(tmp_path):
    d = only(compile_raw(tmp_path, 'raw alpine { kernel = ["CONFIG_ARM64_64K_PAGES=y"] }'), "MS301")
    assert "64K" in d.message


def test_raw_line_contradicting_intent_warns(tmp_path):
    result = compile_raw(tmp_path, 'raw alpine { kernel = ["# CONFIG_VIRTIO_BLK is not set"] }')
    d = only(result, "MS622")
    assert "CONFIG_VIRTIO_BLK" in d.message
    fragment = next(a.content for b in result.bundles for a in b.artifacts if a.path.endswith("virt.fragment.config"))
    assert fragment.count("CONFIG_VIRTIO_BLK") == 1  # the intent's line is replaced, not duplicated


def test_not_a_kconfig_line(tmp_path):
    only(compile_raw(tmp_path, 'raw alpine { kernel = ["VIRTIO_FS=y"] }'), "MS603")


def test_raw_modprobe_lines(tmp_path):
    result = compile_raw(tmp_path, 'raw alpine { modprobe = ["zfs_txg_timeout=10", '
                                   '"options spl spl_kmem_cache_slab_limit=16384"] }')
    assert result.ok, result.diagnostics
    conf = next(a.content for b in result.bundles for a in b.artifacts if a.kind == "zfs-tunables")
    assert "options zfs zfs_txg_timeout=10" in conf
    assert "options spl spl_kmem_cache_slab_limit=16384" in conf


@pytest.mark.parametrize("line,code,words", [
    ("zfs_arc_meta_limit=1", "MS407", "no module parameter"),       # removed in 2.2
    ("zfs_txg_timeuot=10", "MS407", "did you mean"),
    ("options spl zfs_txg_timeout=10", "MS603", "zfs module"),     # wrong module
    ("options nfs foo=1", "MS603", "not zfs or spl"),
    ("zfs_txg_timeout", "MS603", "cannot read"),
])
def test_bad_modprobe_lines(tmp_path, line, code, words):
    d = only(compile_raw(tmp_path, f'raw alpine {{ modprobe = ["{line}"] }}'), code)
    assert words in d.message + (d.hint or "")


def test_parameter_newer_than_the_shipped_release(tmp_path):
    """Alpine 3.21 ships OpenZFS 2.2.7; zfs_arc_shrinker_seeks arrived in 2.2.9."""
    d = only(compile_raw(tmp_path, 'raw alpine { modprobe = ["zfs_arc_shrinker_seeks=2"] }', "3.21"), "MS407")
    assert "2.2.9" in d.message and "2.2.7" in d.message
    assert compile_raw(tmp_path, 'raw alpine { modprobe = ["zfs_arc_shrinker_seeks=2"] }', "3.22").ok


def test_freebsd_only_tunable(tmp_path):
    d = only(compile_raw(tmp_path, "zfs { tunables { zfs_arc_free_target = 1 } }"), "MS407")
    assert "only on FreeBSD" in d.message


def test_bad_sysctl_line(tmp_path):
    only(compile_raw(tmp_path, 'raw alpine { sysctl = ["vm.swappiness"] }'), "MS603")


def test_freebsd_disk_names_warn(tmp_path):
    result = compile_raw(tmp_path, 'zfs { slog = "/dev/vtbd1" }')
    assert result.ok
    assert "/dev/vdX" in only(result, "MS623").message


@pytest.mark.parametrize("device", ["/dev/zram0", "/dev/ram1", "/dev/shm/slog"])
def test_linux_ram_disks_are_volatile(tmp_path, device):
    result = compile_raw(tmp_path, f'zfs {{ slog = "{device}" }}')
    assert "MS404" in codes_of(result) and not result.ok
