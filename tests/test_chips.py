"""The chip database (hardware/chips.json): its per-Mac table agrees with the per-chip memory
lists, every size it records compiles, and an incomplete list never produces an error."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, codes_of, compile_text

from mscc.diagnostics import Severity

DB = json.loads((ROOT / "hardware/chips.json").read_text(encoding="utf-8"))
CHIPS = {c["id"]: c for c in DB["chips"]}
INCOMPLETE = sorted(cid for cid, c in CHIPS.items() if not c["memory_gb"]["complete"])
MEMORY_CODES = {"MS202", "MS207"}


def _pairs() -> list[tuple[str, int]]:
    return sorted({(m["chip"], gb) for m in DB["macs"] for gb in m["memory_gb"]})


def _profile(name: str, chip: str, gb: float) -> str:
    # 4 GiB of guest memory leaves every sold host (8 GB and up) its headroom: only the
    # memory-sold rules can speak.
    return f"profile {name} {{\n  hardware {{ chip = {chip}  memory = {gb}GiB }}\n  vm {{ memory = 4GiB }}\n}}\n"


def test_every_mac_names_a_known_chip_and_resolvable_sources():
    for mac in DB["macs"]:
        assert mac["chip"] in CHIPS, mac["name"]
        assert set(mac["source"]) <= set(DB["sources"]), mac["name"]
    for chip in CHIPS:
        assert any(m["chip"] == chip for m in DB["macs"]), f"{chip} has no Mac in 'macs'"


@pytest.mark.parametrize("chip_id", sorted(CHIPS))
def test_chip_memory_list_is_the_union_of_its_macs(chip_id):
    chip = CHIPS[chip_id]
    union = sorted({gb for m in DB["macs"] if m["chip"] == chip_id for gb in m["memory_gb"]})
    assert sorted(chip["memory_gb"]["value"]) == union
    memory = chip["memory_gb"]
    if not memory["complete"]:
        assert memory["max"] >= max(memory["value"])
        assert memory.get("min", 0) <= min(memory["value"])


def test_every_chip_memory_pair_of_the_macs_compiles(run_cli, tmp_path):
    """The real compiler, one profile per (chip, memory) pair the database records as sold."""
    pairs = _pairs()
    text = "".join(_profile(f"p{i}", chip, gb) for i, (chip, gb) in enumerate(pairs))
    source = tmp_path / "macs.msk"
    source.write_text(text, encoding="utf-8")
    result = run_cli("compile", source, "-t", "freebsd", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "MS202" not in result.output and "MS207" not in result.output, result.output
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert written == {f"p{i}" for i in range(len(pairs))}


def test_m2_max_with_64gb_compiles_clean(run_cli, tmp_path):
    """Issue 8: a 64 GB M2 Max (Mac Studio and MacBook Pro, 2023) was refused with MS202."""
    source = tmp_path / "studio.msk"
    source.write_text(_profile("studio", "m2-max", 64), encoding="utf-8")
    result = run_cli("compile", source, "-t", "freebsd", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "MS20" not in result.output, result.output
    assert (tmp_path / "out/studio/freebsd").is_dir()


def test_unsourced_size_inside_the_range_is_a_note(run_cli, tmp_path):
    """m1-ultra's list (64, 128) is incomplete: 96 GB lies inside 'up to 128 GB'."""
    assert not CHIPS["m1-ultra"]["memory_gb"]["complete"]
    assert 96 not in CHIPS["m1-ultra"]["memory_gb"]["value"]
    source = tmp_path / "studio.msk"
    source.write_text(_profile("studio", "m1-ultra", 96), encoding="utf-8")
    result = run_cli("compile", source, "-t", "freebsd", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "note[MS207]" in result.output and "error" not in result.output, result.output
    assert (tmp_path / "out/studio/freebsd").is_dir()


def test_size_outside_an_incomplete_range_warns_but_compiles(tmp_path):
    r = compile_text(tmp_path, _profile("studio", "m3-ultra", 64))
    (d,) = r.diagnostics
    assert (d.code, d.severity) == ("MS207", Severity.WARNING) and r.bundles
    assert "96–512 GB" in d.message


def test_a_complete_list_still_refuses_a_size_never_sold(tmp_path):
    r = compile_text(tmp_path, _profile("air", "m1", 32))
    assert codes_of(r) == ["MS202"] and not r.bundles


@pytest.mark.parametrize("chip_id", INCOMPLETE)
def test_an_incomplete_list_never_produces_an_error(chip_id, tmp_path):
    """Every whole size from 1 GB to well past the range, and a fractional one."""
    high = CHIPS[chip_id]["memory_gb"]["max"]
    sizes: list[float] = [*range(1, high + 65, 7), high, 33.5]
    text = "".join(_profile(f"p{i}", chip_id, gb) for i, gb in enumerate(sizes))
    from mscc.compiler import compile_file

    path = tmp_path / "t.msk"
    path.write_text(text, encoding="utf-8")
    result = compile_file(str(path), ["freebsd"], emit=False)
    memory = [d for d in result.diagnostics if d.code in MEMORY_CODES]
    assert memory, "sizes outside the sourced list must be reported"
    assert all(d.code == "MS207" and d.severity is not Severity.ERROR for d in memory), memory


def test_the_language_docs_name_exactly_the_incomplete_chips():
    text = (ROOT / "docs/language.md").read_text(encoding="utf-8")
    paragraph = text[text.index("Where they do not ("):text.index("an unlisted size is never")]
    named = set(re.findall(r"`(m\d(?:-\w+)?)`", paragraph))
    assert named == set(INCOMPLETE)
