"""Every ```msk example in README.md and docs/*.md compiles, and says what it does.

An example compiles without errors for its profile's `vm.os` (for every target when it names
none), and every raw line in it lands in the generated files. An example meant to fail says
so in its info string, ```` ```msk fails=MS404 ````, and must fail with that code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```msk(?P<info>[^\n]*)\n(?P<text>.*?)^```", re.DOTALL | re.MULTILINE)
FAILS = re.compile(r"\bfails=(MS\d{3})\b")
TARGETS = ("alpine", "freebsd", "netbsd", "openbsd")


def examples():
    for doc in DOCS:
        for i, m in enumerate(BLOCK.finditer(doc.read_text(encoding="utf-8"))):
            fails = FAILS.search(m.group("info"))
            yield pytest.param(m.group("text"), fails.group(1) if fails else None, id=f"{doc.name}-{i}")


EXAMPLES = list(examples())


def _write(tmp_path: Path, text: str) -> Path:
    # The docs' include examples name examples/common.msk by its file name.
    (tmp_path / "common.msk").write_text((ROOT / "examples/common.msk").read_text(encoding="utf-8"))
    path = tmp_path / "doc.msk"
    path.write_text(text, encoding="utf-8")
    return path


def _words(line: str) -> list[str]:
    """A raw line's words, without the quoting and `=` spacing its file format may change."""
    return [w for w in re.split(r"[\s=\"]+", line) if w]


def _lands(line: str, files: dict[str, str]) -> bool:
    """Whether one line of some generated file holds the raw line's words in order."""
    pattern = re.compile(r"[\s=\"]*".join(re.escape(w) for w in _words(line)))
    return any(pattern.search(out_line) for text in files.values() for out_line in text.splitlines())


def test_the_docs_have_examples():
    assert len(EXAMPLES) >= 7
    assert any(fails for _, fails in (p.values for p in EXAMPLES)), "no example marked fails=MSxxx"


@pytest.mark.parametrize("text,fails", EXAMPLES)
def test_doc_example_parses(text, fails):
    from mscc.parse.parser import parse_text

    _, diags = parse_text(text, "doc.msk")
    assert [d.code for d in diags] in ([], [fails]), diags


@pytest.mark.parametrize("text,fails", EXAMPLES)
def test_doc_example_compiles_or_fails_as_marked(text, fails, tmp_path):
    from mscc.compiler import analyse, compile_file
    from mscc.diagnostics import Severity

    path = _write(tmp_path, text)
    _, profiles, diags = analyse(path)
    errors = {d.code for d in diags if d.severity is Severity.ERROR}
    if not errors:
        for profile in profiles:
            targets = [profile.get("vm.os")] if profile.get("vm.os") else list(TARGETS)
            result = compile_file(path, targets, emit=False)
            errors |= {d.code for d in result.diagnostics if d.severity is Severity.ERROR}
    if fails:
        assert fails in errors, f"marked fails={fails}, but it reported {sorted(errors) or 'no error'}"
    else:
        assert not errors, f"reports {sorted(errors)}; mark it ```msk fails=CODE if that is the point"


@pytest.mark.parametrize("text,fails", [p for p in EXAMPLES if not p.values[1]])
def test_every_raw_line_of_a_doc_example_lands(text, fails, tmp_path):
    from mscc.compiler import analyse, compile_file

    path = _write(tmp_path, text)
    _, profiles, _ = analyse(path)
    for profile in profiles:
        for target, keys in profile.raw.items():
            result = compile_file(path, [target])
            files = {f"{b.directory}/{a.path}": a.content for b in result.bundles
                     if b.directory == f"{profile.name}/{target}" for a in b.artifacts}
            assert files, f"{profile.name}/{target} was not written: {result.diagnostics}"
            for key, lines in keys.items():
                for located in lines:
                    assert _lands(str(located.value), files), \
                        f"raw {target} {key} line {located.value!r} is in no file mscc wrote"


def test_lands_reads_the_forms_each_format_writes():
    files = {"loader.conf": 'vfs.zfs.txg.timeout="10"\n', "zfs.conf": "options zfs zfs_txg_timeout=10\n"}
    assert _lands('vfs.zfs.txg.timeout="10"', files)
    assert _lands("zfs_txg_timeout=10", files)
    assert not _lands('kern.maxproc="1000"', files)


def test_readme_shows_the_real_diagnostics_of_its_bad_example(tmp_path, monkeypatch, run_cli):
    """The README's `$ mscc compile bad.msk` output is what mscc prints for the `fails=` example
    just above it (each part between `…` elisions, verbatim)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"```msk fails=MS\d{3}\n(?P<source>.*?)```\s*```\n\$ mscc compile bad\.msk\n(?P<out>.*?)```",
                      readme, re.DOTALL)
    assert shown, "README: no fails= example followed by its `$ mscc compile bad.msk` output"
    (tmp_path / "bad.msk").write_text(shown.group("source"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    printed = run_cli("compile", "bad.msk", "-o", "out").output
    for part in shown.group("out").split("…\n"):
        assert part in printed, f"README shows output mscc does not print:\n{part}"


def test_every_block_and_setting_is_documented():
    from mscc.language import SECTIONS

    text = (ROOT / "docs/language.md").read_text()
    for name, section in SECTIONS.items():
        assert name in text, name
        for key in section.settings:
            assert f"`{key}`" in text, f"{name}.{key} is not documented"


def test_readme_shows_the_real_example_and_its_real_output(tmp_path, monkeypatch):
    """The README's example is examples/m3.msk, and the loader.conf it shows is what mscc writes."""
    from mscc.compiler import compile_file

    readme = (ROOT / "README.md").read_text()
    shown_source = BLOCK.search(readme).group("text")
    assert shown_source == (ROOT / "examples/m3.msk").read_text()
    monkeypatch.chdir(ROOT)
    result = compile_file("examples/m3.msk", ["freebsd"])
    loader = next(a.content for b in result.bundles for a in b.artifacts if a.path == "boot/loader.conf")
    assert "```\n" + loader + "```" in readme
