"""The safety rules in more detail than their explain examples."""

from __future__ import annotations

from conftest import codes_of, compile_text

BASE = """
  hardware { chip = m3-pro  memory = 36GiB }
  vm { hypervisor = qemu  cpus = 4  memory = 8GiB }
"""


def test_ram_slog_is_an_error_that_explains_the_loss(tmp_path):
    r = compile_text(tmp_path, f"profile p {{{BASE} zfs {{ slog = ram }} }}")
    (d,) = r.diagnostics
    assert d.code == "MS404" and "acknowledged sync writes are lost" in d.message
    assert not r.bundles


def test_ram_disk_device_is_volatile_too(tmp_path):
    r = compile_text(tmp_path, f'profile p {{{BASE} zfs {{ slog = "/dev/md0" }} }}')
    assert codes_of(r) == ["MS404"]


def test_accepted_loss_emits_sync_disabled_never_a_ram_log(tmp_path):
    r = compile_text(tmp_path, f"profile p {{{BASE} zfs {{ slog = ram accept = [lose-sync-writes-on-crash] }} }}")
    assert codes_of(r) == ["MS405"]
    (bundle,) = r.bundles
    setup = next(a.content for a in bundle.artifacts if a.path == "zfs-setup.sh")
    assert "zfs set sync=disabled" in setup
    assert " log " not in setup and "md" not in setup


def test_persistent_slog_is_added_once(tmp_path):
    r = compile_text(tmp_path, f'profile p {{{BASE} zfs {{ slog = "/dev/vtbd1" }} }}')
    assert codes_of(r) == []
    setup = next(a.content for a in r.bundles[0].artifacts if a.path == "zfs-setup.sh")
    assert "zpool add \"$pool\" log /dev/vtbd1" in setup


def test_arc_bounds(tmp_path):
    r = compile_text(tmp_path, f"profile p {{{BASE} zfs {{ arc_max = 7.5G }} }}")
    assert codes_of(r) == ["MS401"]
    r = compile_text(tmp_path, f"profile p {{{BASE} zfs {{ arc_max = 7G }} }}")
    assert codes_of(r) == []
    r = compile_text(tmp_path, f"profile p {{{BASE} zfs {{ arc_max = 32M }} }}")
    assert codes_of(r) == ["MS403"]


def test_cpus_and_memory_limits(tmp_path):
    r = compile_text(tmp_path, "profile p { hardware { chip = m3-pro memory = 18GiB } "
                               "vm { cpus = 12 memory = 18GiB } }")
    assert codes_of(r) == ["MS204"]
    r = compile_text(tmp_path, "profile p { hardware { chip = m3-pro memory = 18GiB } vm { cpus = 13 memory = 4GiB } }")
    assert codes_of(r) == ["MS203"]


def test_headroom_warning_does_not_block(tmp_path):
    r = compile_text(tmp_path, "profile p { hardware { chip = m3-pro memory = 18GiB } vm { memory = 15GiB } }")
    assert codes_of(r) == ["MS205"] and r.bundles


def test_memory_sold_did_you_mean(tmp_path):
    r = compile_text(tmp_path, "profile p { hardware { chip = m3-pro memory = 32GiB } vm { memory = 8GiB } }")
    (d,) = r.diagnostics
    assert d.code == "MS202" and "36GiB" in d.hint


def test_auto_page_size_is_quietly_4k_on_freebsd(tmp_path):
    r = compile_text(tmp_path, f"profile p {{{BASE} kernel {{ page_size = auto }} }}")
    assert codes_of(r) == []
    r = compile_text(tmp_path, f"profile p {{{BASE} kernel {{ page_size = 16K }} }}")
    assert codes_of(r) == ["MS302"]
    r = compile_text(tmp_path, f"profile p {{{BASE} kernel {{ page_size = 64K }} }}")
    assert "MS301" in codes_of(r)


def test_vz_freebsd_hint_says_qemu(tmp_path):
    r = compile_text(tmp_path, "profile p { hardware { chip = m3 memory = 16GiB } "
                               "vm { hypervisor = vz memory = 8GiB } }")
    (d,) = r.diagnostics
    assert d.code == "MS501" and "qemu" in d.hint
