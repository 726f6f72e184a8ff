"""Every rule's failing example raises its code and its passing example does not. The examples
are the ones `mscc explain` prints: one source for the docs and the tests."""

from __future__ import annotations

import pytest

from mscc.check.rules import RULES
from mscc.compiler import compile_file


def _needs_target(rule):
    from mscc.knowledge.targets import available

    if rule.example_target not in available():
        pytest.skip(f"target {rule.example_target} not built yet")


@pytest.mark.parametrize("rule", RULES, ids=[r.code.code for r in RULES])
def test_failing_example_raises_the_code(rule, tmp_path):
    _needs_target(rule)
    path = tmp_path / "fail.msk"
    path.write_text(rule.fail)
    result = compile_file(str(path), [rule.example_target], emit=False)
    assert rule.code.code in {d.code for d in result.diagnostics}, result.diagnostics


@pytest.mark.parametrize("rule", RULES, ids=[r.code.code for r in RULES])
def test_passing_example_is_clean_of_the_code(rule, tmp_path):
    _needs_target(rule)
    path = tmp_path / "pass.msk"
    path.write_text(rule.passes)
    result = compile_file(str(path), [rule.example_target], emit=False)
    assert rule.code.code not in {d.code for d in result.diagnostics}, result.diagnostics


def test_every_rule_code_is_registered_once():
    from mscc.diagnostics import registry

    codes = [r.code.code for r in RULES]
    assert len(codes) == len(set(codes))
    assert set(codes) <= set(registry())


def test_explain_prints_the_examples(run_cli):
    rule = next(r for r in RULES if r.code.code == "MS404")
    out = run_cli("explain", "MS404").output
    assert rule.rationale.splitlines()[0] in out
    assert "slog = ram" in out and "slog = none" in out
