"""The rule engine: runs the registered rules (mscc.check.rules.RULES) over a profile, once
per profile and once per profile and target. Rules are declared in mscc.check.rule and read
their context from mscc.check.context; this module is the only one that runs them."""

from __future__ import annotations

from dataclasses import replace

from mscc.check.context import ProfileContext, TargetContext
from mscc.check.rule import Scope
from mscc.check.rules import RULES
from mscc.diagnostics import Diagnostic
from mscc.model import Profile
from mscc.knowledge.targets import TargetInfo


def check_profile(profile: Profile) -> list[Diagnostic]:
    return _run(ProfileContext(profile), "profile")


def check_target(profile: Profile, target: TargetInfo) -> list[Diagnostic]:
    return [replace(d, target=target.name) for d in _run(TargetContext(profile, target), "target")]


def _run(ctx: ProfileContext, scope: Scope) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for r in RULES:
        if r.scope == scope:
            out.extend(replace(d, profile=ctx.profile.name) for d in r.check(ctx))
    return out
