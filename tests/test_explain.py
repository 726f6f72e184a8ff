"""Every registered code has an `mscc explain` example, and every example is true: its failing
scenario, run through the real command line, reports the code, and its passing scenario does
not. The scenarios are the ones `mscc explain` prints (mscc/explain.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from mscc import codes
from mscc.check.rules import RULES
from mscc.diagnostics import registry
from mscc.explain import STAGE_EXAMPLES, Repeat, Scenario, example, render

CODES = sorted(registry())
REPORTED = re.compile(r"\b(?:error|warning|note)\[(MS\d{3})\]")


def _write(root: Path, files) -> None:
    for name, content in files.items():
        path = root / name
        if content is None:
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content.render() if isinstance(content, Repeat) else content
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


_AUDITS: dict[str, tuple] = {}  # scenario → result: each audit costs two olddefconfig runs


def _run(scenario: Scenario, root: Path, monkeypatch, env: dict[str, str]):
    """Write the files in an empty directory, run the commands there, return the last result
    and the codes it reported (concise format: one `severity[CODE]` per diagnostic)."""
    if env:
        key = repr(scenario)
        if key not in _AUDITS:
            _AUDITS[key] = _run_once(scenario, root, monkeypatch, env)
        return _AUDITS[key]
    return _run_once(scenario, root, monkeypatch, env)


def _run_once(scenario: Scenario, root: Path, monkeypatch, env: dict[str, str]):
    from mscc.cli import main

    root.mkdir()
    _write(root, scenario.files)
    monkeypatch.chdir(root)
    runner = CliRunner()
    for args in scenario.before:
        runner.invoke(main, list(args), env=env, catch_exceptions=False)
    _write(root, scenario.edits)
    result = runner.invoke(main, [*scenario.args, "--format", "concise"], env=env, catch_exceptions=False)
    return result, set(REPORTED.findall(result.output))


def _env_for(ex, request) -> dict[str, str]:
    if ex.needs != "linux-tree":
        return {}
    tree = request.getfixturevalue("tree")  # conftest: skips without a tree or its build tools
    return {"MSCC_LINUX_TREE": str(tree)}


def _params():
    """The examples of the pipeline stages. Rule examples run in tests/test_rules.py and lint
    examples in tests/lint/test_lint_examples.py, on the same texts through the same
    compile_file and lint_paths the command line calls."""
    for code, ex in sorted(STAGE_EXAMPLES.items()):
        marks = [pytest.mark.kernel] if ex.needs == "linux-tree" else []
        yield pytest.param(code, id=code, marks=marks)


def test_every_registered_code_has_an_example():
    missing = [code for code in CODES if example(code) is None]
    assert missing == [], (f"no `mscc explain` example for {missing}: give the rule `fail`/`passes`, add "
                           "a lint example (mscc/lint/examples.py) or a scenario (mscc/explain.py)")


def test_no_code_has_two_examples():
    from mscc.lint.examples import EXAMPLES

    sources = [{r.code.code for r in RULES}, set(EXAMPLES), set(STAGE_EXAMPLES)]
    for i, one in enumerate(sources):
        for other in sources[i + 1:]:
            assert not one & other, f"examples defined twice: {sorted(one & other)}"


@pytest.mark.parametrize("code", _params())
def test_failing_example_reports_the_code(code, tmp_path, monkeypatch, request):
    ex = example(code)
    result, reported = _run(ex.fails, tmp_path / "fails", monkeypatch, _env_for(ex, request))
    assert code in reported, result.output


@pytest.mark.parametrize("code", _params())
def test_passing_example_does_not(code, tmp_path, monkeypatch, request):
    ex = example(code)
    result, reported = _run(ex.passes, tmp_path / "passes", monkeypatch, _env_for(ex, request))
    assert code not in reported, result.output
    assert result.exit_code == 0, result.output  # a passing example passes, not just lacks the code


@pytest.mark.parametrize("code", CODES)
def test_explain_prints_the_example(code, run_cli):
    out = run_cli("explain", code).output
    assert out.startswith(f"{code} {registry()[code].name} ")
    assert render(example(code)) in out


def test_every_code_is_emitted_somewhere_in_mscc():
    """A registered code that nothing reports is dead weight in `mscc codes` and the docs:
    each code's constant is used outside the registry and the example modules (or, for codes
    chosen by target data, named in a targets/*/*.json)."""
    skip = {"mscc/codes.py", "mscc/explain.py", "mscc/lint/examples.py"}
    source = "\n".join(line for path in sorted((ROOT / "mscc").rglob("*.py"))
                       if path.relative_to(ROOT).as_posix() not in skip
                       for line in path.read_text(encoding="utf-8").splitlines()
                       if not line.lstrip().startswith("@rule("))  # a rule's code is not its emission
    data = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "targets").glob("*/target.json"))
    constants = {value.code: name for name, value in vars(codes).items() if isinstance(value, type(codes.SYNTAX))}
    unused = [code for code in CODES
              if not re.search(rf"\bcodes\.{constants[code]}\b", source) and f'"{code}"' not in data]
    assert unused == []


@pytest.mark.parametrize("rule", RULES, ids=[r.code.code for r in RULES])
def test_a_rules_passing_example_passes(rule, tmp_path):
    """tests/test_rules.py checks that a rule's passing example lacks the rule's code; what
    `mscc explain` calls passing must also compile, without any other error."""
    from mscc.compiler import compile_file

    path = tmp_path / "vm.msk"
    path.write_text(rule.passes, encoding="utf-8")
    result = compile_file(path, [rule.example_target], emit=False)
    assert result.ok, [f"{d.code} {d.message}" for d in result.diagnostics]
