"""Resolution: names against the language table, extends, includes, percentages, chips."""

from __future__ import annotations

from conftest import codes_of, compile_text

BASE = """
  hardware { chip = m3-pro  memory = 36GiB }
  vm { cpus = 4  memory = 8GiB }
"""


def test_unknown_block_and_setting_get_did_you_mean(tmp_path):
    r = compile_text(tmp_path, f"profile p {{{BASE} zfss {{ }} vm {{ cpuss = 2 }} }}")
    by_code = {d.code: d for d in r.diagnostics}
    assert "zfs" in by_code["MS101"].hint
    assert "cpus" in by_code["MS102"].hint


def test_bad_enum_value(tmp_path):
    r = compile_text(tmp_path, f"profile p {{{BASE} kernel {{ debug = verbose }} }}")
    assert codes_of(r) == ["MS103"]
    assert r.diagnostics[0].span.line == 4


def test_duplicate_setting(tmp_path):
    r = compile_text(tmp_path, f"profile p {{{BASE} kernel {{ debug = off debug = on }} }}")
    assert codes_of(r) == ["MS105"]


def test_percent_resolves_to_bytes(tmp_path):
    from mscc.compiler import analyse

    path = tmp_path / "p.msk"
    path.write_text(f"profile p {{{BASE} zfs {{ arc_max = 50% of vm.memory  arc_min = 10% of host.memory }} }}")
    _, profiles, diags = analyse(path)
    assert not diags
    p = profiles[0]
    assert p.get("zfs.arc_max") == 4 << 30
    assert p.text("zfs.arc_max") == "50% of vm.memory"
    assert p.get("zfs.arc_min") == int((36 << 30) * 0.1)


def test_percent_of_wrong_base(tmp_path):
    r = compile_text(tmp_path, f"profile p {{{BASE} zfs {{ arc_max = 50% of vm.disk }} }}")
    assert codes_of(r) == ["MS103"]


def test_extends_overrides_and_merges(tmp_path):
    from mscc.compiler import analyse

    path = tmp_path / "p.msk"
    path.write_text(f"""
    template base {{{BASE} zfs {{ compression = zstd dataset "zroot/a" {{ recordsize = 16K }} }} }}
    profile p extends base {{ zfs {{ compression = lz4 dataset "zroot/a" {{ sync = always }} }} }}
    """)
    _, profiles, diags = analyse(path)
    assert not diags and [p.name for p in profiles] == ["p"]
    p = profiles[0]
    assert p.get("zfs.compression") == "lz4"
    assert {k: v.value for k, v in p.datasets[0].props.items()} == {"recordsize": 16384, "sync": "always"}
    assert p.get("hardware.chip") == "m3-pro"


def test_extends_unknown_and_cycle(tmp_path):
    r = compile_text(tmp_path, f"profile a extends b {{{BASE}}}\n"
                               "profile b extends a { }\nprofile c extends nope { }")
    assert "MS107" in codes_of(r) and "MS106" in codes_of(r)


def test_duplicate_profile(tmp_path):
    r = compile_text(tmp_path, f"profile a {{{BASE}}}\nprofile a {{{BASE}}}")
    assert codes_of(r) == ["MS108"]


def test_unknown_chip_did_you_mean(tmp_path):
    r = compile_text(tmp_path, "profile p { hardware { chip = m3pro memory = 36GiB } vm { memory = 8GiB } }")
    (d,) = r.diagnostics
    assert d.code == "MS201" and "m3-pro" in d.hint


def test_chip_never_sold(tmp_path):
    r = compile_text(tmp_path, "profile p { hardware { chip = m4-ultra memory = 128GiB } }")
    (d,) = r.diagnostics
    assert d.code == "MS201" and "never sold" in d.message


def test_missing_hardware(tmp_path):
    r = compile_text(tmp_path, "profile p { vm { cpus = 2 } }")
    assert codes_of(r) == ["MS109", "MS109"]


def test_includes(tmp_path, write):
    from mscc.compiler import analyse

    write("sub/common.msk", f"template base {{{BASE}}}")
    main = write("main.msk", 'include "sub/common.msk"\nprofile p extends base { }')
    _, profiles, diags = analyse(main)
    assert not diags and profiles[0].get("hardware.chip") == "m3-pro"


def test_include_missing_outside_and_cycle(tmp_path, write):
    from mscc.compiler import analyse

    write("a.msk", 'include "b.msk"\nprofile p { }')
    write("b.msk", 'include "a.msk"')
    _, _, diags = analyse(tmp_path / "a.msk")
    assert [d.code for d in diags] == ["MS007"]
    write("c.msk", 'include "../outside.msk"\ninclude "missing.msk"')
    _, _, diags = analyse(tmp_path / "c.msk")
    assert sorted(d.code for d in diags) == ["MS005", "MS006"]
    assert diags[0].span.line in (1, 2)
