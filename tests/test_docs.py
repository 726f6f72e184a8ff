"""Every ```msk example in docs/language.md and README.md parses and resolves cleanly."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT

DOCS = [ROOT / "docs/language.md", ROOT / "README.md"]
BLOCK = re.compile(r"```msk\n(.*?)```", re.S)


def examples():
    for doc in DOCS:
        if doc.exists():
            for i, m in enumerate(BLOCK.finditer(doc.read_text())):
                yield pytest.param(doc, m.group(1), id=f"{doc.name}-{i}")


@pytest.mark.parametrize("doc,text", list(examples()))
def test_doc_example_parses(doc, text, tmp_path):
    from mscc.parse.parser import parse_text

    _module, diags = parse_text(text, "doc.msk")
    assert not diags, diags


@pytest.mark.parametrize("doc,text", list(examples()))
def test_doc_example_resolves_without_errors(doc, text, tmp_path):
    from mscc.compiler import analyse
    from mscc.diagnostics import has_errors

    (tmp_path / "common.msk").write_text((ROOT / "examples/common.msk").read_text())
    path = tmp_path / "doc.msk"
    path.write_text(text)
    _, _, diags = analyse(path)
    assert not has_errors(diags), diags


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
    shown_source = BLOCK.search(readme).group(1)
    assert shown_source == (ROOT / "examples/m3.msk").read_text()
    monkeypatch.chdir(ROOT)
    result = compile_file("examples/m3.msk", ["freebsd"])
    loader = next(a.content for b in result.bundles for a in b.artifacts if a.path == "boot/loader.conf")
    assert "```\n" + loader + "```" in readme
