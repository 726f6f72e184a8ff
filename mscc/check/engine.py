"""The rule engine. A rule is a generator of diagnostics registered with its code, its
rationale and two example profiles (one that fails, one that passes). The examples are the
single source for both `mscc explain` and the rule tests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Callable, Iterator

from mscc.diagnostics import Code, Diagnostic
from mscc.model import Profile
from mscc.targets import TargetInfo, hypervisors


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


@dataclass
class Context:
    profile: Profile
    target: TargetInfo | None = None

    @cached_property
    def version(self) -> dict | None:
        if self.target is None:
            return None
        requested = self.profile.get("vm.version") if self.profile.get("vm.os") == self.target.name else None
        return self.target.version(requested)

    def older_than(self, since: str) -> bool:
        """Whether the target version is older than `since` ("14.3" < "15")."""
        if not self.version:
            return False
        return version_tuple(self.version["name"]) < version_tuple(since)

    @property
    def hypervisor(self) -> str:
        return self.profile.get("vm.hypervisor")

    @cached_property
    def devices(self) -> tuple[str, ...]:
        explicit = self.profile.get("kernel.devices")
        if explicit is not None:
            return tuple(explicit)
        return tuple(hypervisors()["default_devices"][self.hypervisor])

    @property
    def page_size_kib(self) -> int:
        """`auto` is the target's native size: every target's stock kernels are 4K."""
        value = self.profile.get("kernel.page_size")
        if value == "auto":
            return self.target.page_sizes_kib[0] if self.target else 4
        return value // 1024


@dataclass(frozen=True)
class Rule:
    code: Code
    check: Callable[[Context], Iterator[Diagnostic]]
    rationale: str
    fail: str
    passes: str
    scope: str  # "profile": once per profile; "target": once per profile and target
    example_target: str = "freebsd"


RULES: list[Rule] = []


def rule(code: Code, *, rationale: str, fail: str, passes: str, scope: str = "target",
         example_target: str = "freebsd"):
    def register(fn):
        RULES.append(Rule(code, fn, rationale.strip(), fail.strip() + "\n", passes.strip() + "\n",
                          scope, example_target))
        return fn
    return register


def _load_rules() -> None:
    # Importing the modules registers their rules.
    from mscc.check.rules import hardware, kernel, platform, zfs  # noqa: F401


def rules() -> list[Rule]:
    # Always import every rule module (a no-op after the first time): importing one rule
    # module elsewhere, e.g. for a helper it defines, must not hide the others.
    _load_rules()
    return RULES


def check_profile(profile: Profile) -> list[Diagnostic]:
    ctx = Context(profile)
    return _run(ctx, "profile")


def check_target(profile: Profile, target: TargetInfo) -> list[Diagnostic]:
    ctx = Context(profile, target)
    return [replace(d, target=target.name) for d in _run(ctx, "target")]


def _run(ctx: Context, scope: str) -> list[Diagnostic]:
    out = []
    for r in rules():
        if r.scope == scope:
            out.extend(replace(d, profile=ctx.profile.name) for d in r.check(ctx))
    return out
