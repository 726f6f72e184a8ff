"""Every lint code's failing example reports that code and its passing example does not.
The examples are the ones `mscc explain` prints (mscc/lint/examples.py)."""

from __future__ import annotations

import pytest

from lintutil import codes, lint_text, need
from mscc.lint.examples import EXAMPLES


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_failing_example_reports_its_code(tmp_path, code):
    example = EXAMPLES[code]
    need(example.needs)
    result = lint_text(tmp_path, example.file, example.fail, memory=example.memory)
    assert code in codes(result), [str(d) for d in result.diagnostics]


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_passing_example_is_clean(tmp_path, code):
    example = EXAMPLES[code]
    need(example.needs)
    result = lint_text(tmp_path, example.file, example.passes, memory=example.memory)
    assert [d for d in result.diagnostics if d.code != "MS714"] == []


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_explain_prints_the_same_examples(run_cli, code):
    r = run_cli("explain", code)
    assert r.exit_code == 0
    example = EXAMPLES[code]
    assert example.fail.splitlines()[0] in r.output
    assert example.passes.splitlines()[0] in r.output
    assert "Fails" in r.output and "Passes" in r.output
