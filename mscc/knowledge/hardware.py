"""The chip database (hardware/chips.json), loaded once per run."""

from __future__ import annotations

import json
from functools import cache

from mscc.model import Chip
from mscc.paths import hardware_dir


@cache
def database() -> dict:
    with open(hardware_dir() / "chips.json", encoding="utf-8") as fh:
        return json.load(fh)


def _fact(entry: dict, key: str, default=None):
    fact = entry.get(key)
    return default if fact is None else fact.get("value", default)


def _chip(entry: dict) -> Chip:
    memory = entry.get("memory_gb", {})
    # A configuration gives its p/e split, or only its total where no source gives the split.
    cores = tuple(sorted({c.get("total", c.get("p", 0) + c.get("e", 0)) for c in _fact(entry, "cores", [])}))
    return Chip(
        id=entry["id"], name=entry["name"], generation=entry["generation"], variant=entry["variant"],
        core_counts=cores,
        memory_gb=tuple(memory.get("value", ())),
        memory_complete=bool(memory.get("complete", True)),
        memory_min=memory.get("min"), memory_max=memory.get("max"),
        features=frozenset(_fact(entry, "features", [])),
        granules_kib=tuple(_fact(entry, "granules_kib", [4, 16])),
        nested_virt=bool(_fact(entry, "nested_virt", False)),
        isa=dict(_fact(entry, "isa", {})),
        facts=entry,
    )


@cache
def chips() -> dict[str, Chip]:
    return {entry["id"]: _chip(entry) for entry in database()["chips"]}


def not_sold() -> dict:
    return database().get("not_sold", {})


def macs(chip_id: str | None = None) -> list[dict]:
    """The per-Mac table: which models carried a chip, with the memory sizes sourced for each."""
    entries = database().get("macs", [])
    return [m for m in entries if chip_id is None or m["chip"] == chip_id]
