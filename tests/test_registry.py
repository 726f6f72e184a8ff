"""One registry per concept, and each one complete: every declared rule is listed in
RULES, every target has an emitter implementing the Emitter interface, every command and
output format is reachable from the CLI."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from conftest import EXAMPLES
from mscc.check import rules as rules_package
from mscc.check.rule import declared_in
from mscc.check.rules import RULES
from mscc.emit import registry
from mscc.emit.artifacts import KINDS
from mscc.language import TARGETS
from mscc.reporters import REPORTERS

def test_every_rule_module_is_in_the_registry():
    on_disk = {p.stem for p in Path(rules_package.__file__).parent.glob("*.py") if p.stem != "__init__"}
    assert {m.__name__.rpartition(".")[2] for m in rules_package.MODULES} == on_disk


def test_every_rule_runs_and_only_once():
    assert len(set(RULES)) == len(RULES)
    for module in rules_package.MODULES:
        assert declared_in(module.__name__), module.__name__
        assert all(r in RULES for r in declared_in(module.__name__))


def test_rule_codes_are_unique():
    codes = [r.code.code for r in RULES]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_has_an_emitter_implementing_the_interface(target):
    emitter = registry.emitter(target)
    assert isinstance(emitter, registry.Emitter)
    assert emitter.ARTIFACT_KINDS and set(emitter.ARTIFACT_KINDS) <= set(KINDS) - {"report"}


def test_mypy_checks_every_target_against_the_interface():
    """The TYPE_CHECKING import in mscc/emit/registry.py names every target's emitter."""
    tree = ast.parse(inspect.getsource(registry))
    checked = {a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and node.module == "mscc.emit" for a in node.names}
    assert checked == set(TARGETS)


def test_unknown_target_has_no_emitter():
    with pytest.raises(KeyError):
        registry.emitter("plan9")


@pytest.mark.parametrize("target", TARGETS)
def test_emitted_kinds_are_declared(target):
    from mscc.compiler import compile_file

    declared = set(registry.emitter(target).ARTIFACT_KINDS) | {"report"}
    for example in EXAMPLES:
        for bundle in compile_file(str(example), [target]).bundles:
            assert {a.kind for a in bundle.artifacts} <= declared, (example.name, target)


def test_every_command_and_format_is_reachable(run_cli):
    from mscc.cli.main import COMMANDS
    from mscc.cli.output import FORMATS

    assert tuple(REPORTERS) == FORMATS
    for name, where in COMMANDS.items():
        module, attr = where.split(":")
        assert getattr(importlib.import_module(module), attr).name == name
    help_text = run_cli("--help").output
    assert all(f"  {name} " in help_text for name in COMMANDS)
