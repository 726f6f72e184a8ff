"""A rule: a generator of diagnostics with its code, its rationale and two example profiles
(one that fails, one that passes). The examples are the single source for both
`mscc explain` and the rule tests.

`@rule` only attaches a `Rule` to the function; `mscc.check.rules` lists the rules in one
explicit tuple, and `mscc.check.engine` runs them. Nothing here imports a rule module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Literal, TypeVar, overload

from mscc.check.context import ProfileContext, TargetContext
from mscc.diagnostics import Code, Diagnostic

Scope = Literal["profile", "target"]  # once per profile, or once per profile and target
ProfileCheck = Callable[[ProfileContext], Iterable[Diagnostic]]
TargetCheck = Callable[[TargetContext], Iterable[Diagnostic]]
Check = TypeVar("Check", ProfileCheck, TargetCheck)


@dataclass(frozen=True)
class Rule:
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


# Function → its Rule, filled by @rule. What runs is decided by the explicit tuple in
# mscc.check.rules, not by this table; a test checks that every declared rule is listed.
_DECLARED: dict[Callable[..., Any], Rule] = {}


def rule_of(fn: Callable[..., Any]) -> Rule:
    """The Rule a function was declared with by `@rule`."""
    try:
        return _DECLARED[fn]
    except KeyError:
        raise TypeError(f"{fn.__qualname__} is not decorated with @rule") from None


def declared_in(module_name: str) -> list[Rule]:
    """Every rule a module declares, in source order (for the registry test)."""
    return [r for fn, r in _DECLARED.items() if fn.__module__ == module_name]
