"""Rules, one module per concern; each rule carries its own failing and passing example.

RULES is the one list of check rules: every `@rule` of the modules named here, module by
module in source order (the order diagnostics are produced in). A rule module that is not
named here does not run; tests/test_registry.py fails on one.
"""

from __future__ import annotations

from mscc.check.rule import Rule, declared_in
from mscc.check.rules import hardware, kernel, platform, zfs

MODULES = (hardware, kernel, platform, zfs)

RULES: tuple[Rule, ...] = tuple(rule for module in MODULES for rule in declared_in(module.__name__))
