"""The intent → Kconfig table of the alpine target (targets/alpine/target.json) against the
Linux 6.12 symbol database: every symbol it can emit exists, has a prompt (a fragment can set
it), and gets a value of its type; and the table never asks for what M-series cannot boot."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from mscc.emit.alpine_kconfig import symbol_db, table_symbols, value_fits
from mscc.language import DEVICE_CLASSES
from mscc.knowledge import hardware

TARGET = json.loads((ROOT / "targets/alpine/target.json").read_text())
DB = symbol_db("kconfig-6.12.json")
ENTRIES = sorted(set(table_symbols(TARGET)))


@pytest.mark.parametrize("symbol,value,where", ENTRIES, ids=[f"{w}:{s}={v}" for s, v, w in ENTRIES])
def test_symbol_exists_is_visible_and_value_fits(symbol, value, where):
    info = DB.lookup(symbol)
    assert info is not None, f"{where}: {symbol} is not a Linux 6.12 arm64 symbol"
    assert info.has_prompt, f"{where}: {symbol} has no prompt: a fragment cannot set it"
    assert value_fits(info.type, value), f"{where}: {symbol} is {info.type}, {value!r} does not fit"


def test_table_is_not_trivially_small():
    symbols = {s for s, _, _ in ENTRIES}
    assert len(symbols) > 100
    for must in ("ARM64_16K_PAGES", "DEBUG_INFO_NONE", "KASAN", "PROVE_LOCKING", "DEBUG_KMEMLEAK",
                 "VIRTIO_FS", "FUSE_FS", "HW_RANDOM_VIRTIO", "VIRTIO_VSOCKETS", "9P_FS", "USB_HID",
                 "BLK_DEV_NVME", "TRIM_UNUSED_KSYMS", "MODULES", "SERIAL_AMBA_PL011", "BLK_DEV_INITRD"):
        assert must in symbols, must


def test_page_size_table_never_asks_for_64k():
    for size, values in TARGET["kconfig"]["page_size"].items():
        assert values.get("ARM64_64K_PAGES") == "n", size
        chosen = [s for s, v in values.items() if v == "y"]
        assert chosen == [f"ARM64_{size}K_PAGES"]
        members = DB.choices[DB.lookup(chosen[0]).choice].members
        assert set(values) == set(members), "every member of the page-size choice is set explicitly"
    assert TARGET["page_sizes_kib"] == [4, 16]
    assert TARGET["kconfig"]["forbidden"]["ARM64_64K_PAGES"]["code"] == "MS301"


def test_debug_info_goes_through_the_choice():
    """`# CONFIG_DEBUG_INFO is not set` alone does not stick: DEBUG_INFO has no prompt."""
    assert not DB.lookup("DEBUG_INFO").has_prompt
    off = TARGET["kconfig"]["debug"]["off"]
    assert off["DEBUG_INFO_NONE"] == "y" and "DEBUG_INFO" not in off
    choice = DB.choices[DB.lookup("DEBUG_INFO_NONE").choice]
    assert {m for m in choice.members if m != "DEBUG_INFO_NONE"} <= {s for s, v in off.items() if v == "n"}


def test_lock_debugging_only_in_full():
    debug = TARGET["kconfig"]["debug"]
    assert debug["off"]["PROVE_LOCKING"] == debug["on"]["PROVE_LOCKING"] == "n"
    assert debug["full"]["PROVE_LOCKING"] == "y"


def test_every_device_class_is_mapped():
    devices = TARGET["devices"]
    assert set(DEVICE_CLASSES) <= set(devices)
    for cls in DEVICE_CLASSES:
        assert devices[cls] and devices[cls]["kconfig"], cls
    for cls in ("nvme", "ahci", "usb-storage"):
        assert devices[cls]["off"], f"{cls} is turned off when not kept"


def test_crypto_features_are_chip_features():
    """Features the table maps exist in the chip database; SM3/SM4 are on no M-series chip, so
    their CE drivers are turned off (Alpine's virt config builds them)."""
    chips = hardware.chips()
    known = set().union(*(c.features for c in chips.values()))
    features = set(TARGET["kconfig"]["crypto"]["features"])
    assert features - {"sm3", "sm4"} <= known
    assert not ({"sm3", "sm4"} & known)


def test_zfs_needs_come_with_what_ensures_zlib():
    zfs = TARGET["kconfig"]["zfs"]
    assert zfs["values"]["TRIM_UNUSED_KSYMS"] == "n" and zfs["values"]["MODULES"] == "y"
    for symbol in zfs["ensures"]:
        assert not DB.lookup(symbol).has_prompt
        assert any(symbol == target for s in zfs["values"] for target, _ in
                   (d for definition in DB.lookup(s).definitions for d in definition.selects))


def test_versions():
    assert TARGET["default_version"] == "3.22"
    assert set(TARGET["versions"]) == {"3.21", "3.22"}  # 3.23 is Linux 6.18: no database
    for info in TARGET["versions"].values():
        assert (ROOT / "targets/alpine" / info["symbols"]).is_file()
        assert info["base"] == "virt.aarch64.config"  # its facts: targets/alpine/base-config.json
