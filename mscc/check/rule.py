"""A rule: a generator of diagnostics with its code, its rationale and two example profiles
(one that fails, one that passes). The examples are the single source for both
`mscc explain` and the rule tests.

`@rule` records a `Rule` for the function; `mscc.check.rules` names the rule modules and
collects their rules into RULES, and `mscc.check.engine` runs them. Nothing here imports a
rule module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar, overload

from mscc.check.context import ProfileContext, TargetContext
from mscc.diagnostics import Code, Diagnostic
from mscc.record import Record

Scope = Literal["profile", "target"]  # once per profile, or once per profile and target
ProfileCheck = Callable[[ProfileContext], Iterable[Diagnostic]]
TargetCheck = Callable[[TargetContext], Iterable[Diagnostic]]
Check = TypeVar("Check", ProfileCheck, TargetCheck)


class Rule(Record):
    code: Code
    # A ProfileCheck for scope "profile", a TargetCheck for scope "target" (the engine
    # builds the matching context).
    check: Callable[[Any], Iterable[Diagnostic]]
    rationale: str
    fail: str
    passes: str
    scope: Scope
    example_target: str = "freebsd"


@overload
def rule(code: Code, *, rationale: str, fail: str, passes: str, scope: Literal["profile"],
         example_target: str = ...) -> Callable[[ProfileCheck], ProfileCheck]: ...
@overload
def rule(code: Code, *, rationale: str, fail: str, passes: str, scope: Literal["target"] = ...,
         example_target: str = ...) -> Callable[[TargetCheck], TargetCheck]: ...
def rule(code: Code, *, rationale: str, fail: str, passes: str, scope: Scope = "target",
         example_target: str = "freebsd") -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        _DECLARED[fn] = Rule(code, fn, rationale.strip(), fail.strip() + "\n", passes.strip() + "\n",
                             scope, example_target)
        return fn
    return register


# Function → its Rule, filled by @rule. What runs is decided by mscc.check.rules, which
# lists the rule modules; a test checks that no rule module is left out.
_DECLARED: dict[Callable[..., Any], Rule] = {}


def declared_in(module_name: str) -> list[Rule]:
    """Every rule a module declares, in source order (for the registry test)."""
    return [r for fn, r in _DECLARED.items() if fn.__module__ == module_name]
