"""Knowledge is data: every data file validates against its schema and carries sources."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT

T = ROOT / "targets"


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def validate(doc_path: Path, schema_path: Path):
    schema = load(schema_path)
    jsonschema.validators.validator_for(schema).check_schema(schema)
    jsonschema.validate(load(doc_path), schema)


def test_chip_database_validates_and_every_source_resolves():
    validate(ROOT / "hardware/chips.json", ROOT / "hardware/chips.schema.json")
    db = load(ROOT / "hardware/chips.json")
    used = {key for chip in db["chips"] for fact in chip.values() if isinstance(fact, dict)
            for key in fact.get("source", [])}
    assert used <= set(db["sources"])


def test_chip_database_covers_m1_to_m5():
    ids = {c["id"] for c in load(ROOT / "hardware/chips.json")["chips"]}
    for gen in range(1, 6):
        assert {f"m{gen}", f"m{gen}-pro", f"m{gen}-max"} <= ids
    assert {"m1-ultra", "m2-ultra", "m3-ultra"} <= ids
    assert "m4-ultra" not in ids


def test_no_chip_claims_64k_pages_or_sve():
    for chip in load(ROOT / "hardware/chips.json")["chips"]:
        assert 64 not in chip["granules_kib"]["value"]
        assert not {"sve", "sve2"} & set(chip["features"]["value"])
        assert not chip["isa"]["value"]["arch"].startswith("armv9")


@pytest.mark.parametrize("path", sorted((T / "freebsd").glob("names-*.json")), ids=lambda p: p.name)
def test_freebsd_names_validate(path):
    validate(path, T / "freebsd/names.schema.json")
    assert load(path)["inputs"], "every name database records its inputs"


@pytest.mark.parametrize("path", sorted([*T.glob("netbsd/names-*.json"), *T.glob("openbsd/names-*.json")]),
                         ids=lambda p: p.parent.name + "/" + p.name)
def test_bsd_names_validate(path):
    validate(path, T / "bsd-names.schema.json")


@pytest.mark.parametrize("path", sorted((T / "openzfs").glob("zfs-*.json")), ids=lambda p: p.name)
def test_openzfs_tunables_validate(path):
    validate(path, T / "openzfs/tunables.schema.json")
    doc = load(path)
    assert doc["inputs"] and doc["tag"].startswith("zfs-")


def test_every_target_json_parses_and_names_its_sources():
    for path in sorted(T.glob("*/target.json")):
        doc = load(path)
        assert doc["name"] == path.parent.name
        assert doc["default_version"]
        assert doc["page_sizes_kib"] and 64 not in doc["page_sizes_kib"]


def test_platforms_point_at_existing_tunable_files():
    platforms = load(T / "openzfs/platforms.json")
    for os_name in ("freebsd", "alpine"):
        for version, entry in platforms[os_name].items():
            assert (T / "openzfs" / f"zfs-{entry['openzfs']}.json").exists(), (os_name, version)
            assert entry["source"]


# --- facts, not copies: no prose from other projects in the data files ---------------------

def test_kconfig_db_keeps_whether_a_symbol_has_a_prompt_not_its_text():
    db = load(T / "alpine/kconfig-6.12.json")
    assert db["header"]["format"] == 2
    prompts = [d.get("prompt") for s in db["symbols"].values() for d in s["definitions"]]
    assert set(prompts) == {None, True}
    assert all("help" not in d for s in db["symbols"].values() for d in s["definitions"])


@pytest.mark.parametrize("path", sorted((T / "openzfs").glob("zfs-*.json")), ids=lambda p: p.name)
def test_openzfs_tunables_carry_no_description_text(path):
    doc = load(path)
    for entry in [*doc["tunables"].values(), *doc["freebsd_only"].values()]:
        assert not {"summary", "summary_source", "description"} & set(entry)
    # every fact says where it came from: the repository and commit of the file, the path per entry
    assert {i["repo"] for i in doc["inputs"]} == {"openzfs/zfs"} and len(doc["commit"]) == 40
    for name, entry in doc["tunables"].items():
        assert entry["declared_in"] or entry["doc_page"], name
