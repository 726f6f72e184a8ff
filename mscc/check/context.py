"""What a rule or an emitter reads: one profile, and for target-scoped work the target.

Three contexts, each a narrowing of the one before, so the type says what is known:
`ProfileContext` (a profile alone, for profile-scoped rules), `TargetContext` (the profile
on one target, whose requested version may be one mscc has no data for: the rule that
reports that runs here), and `Context` (the profile on a target at a release mscc has data
for — what the emitters' `check_raw` and `emit` get; the compiler builds one only when the
version is known).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from mscc.model import Chip, Profile
from mscc.knowledge.targets import TargetInfo, hypervisors
from mscc.record import Record

Version = dict[str, Any]  # a version entry of target.json, with its "name"


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


class ProfileContext(Record):
    profile: Profile

    @property
    def hypervisor(self) -> str:
        return str(self.profile.get("vm.hypervisor"))

    @cached_property
    def devices(self) -> tuple[str, ...]:
        explicit = self.profile.get("kernel.devices")
        if explicit is not None:
            return tuple(explicit)
        return tuple(hypervisors()["default_devices"][self.hypervisor])

    @property
    def page_size_kib(self) -> int:
        """`auto` is the target's native size; without a target, 4K (every stock kernel's)."""
        value = self.profile.get("kernel.page_size")
        if value == "auto":
            return self._native_page_kib()
        return int(value) // 1024

    def _native_page_kib(self) -> int:
        return 4


class TargetContext(ProfileContext):
    target: TargetInfo

    @cached_property
    def version(self) -> Version | None:
        """The version's data, or None when mscc has none for the requested version."""
        requested = self.profile.get("vm.version") if self.profile.get("vm.os") == self.target.name else None
        return self.target.version(requested)

    def older_than(self, since: str) -> bool:
        """Whether the target version is older than `since` ("14.3" < "15")."""
        if not self.version:
            return False
        return version_tuple(self.version["name"]) < version_tuple(since)

    def _native_page_kib(self) -> int:
        return int(self.target.page_sizes_kib[0])

    def at_release(self) -> Context | None:
        """The same profile and target with the version known, or None when it is not."""
        if self.version is None:
            return None
        return Context(self.profile, self.target, self.version)


class Context(TargetContext):
    """A profile on a target at a release mscc has data for: what emitters read."""

    release: Version

    @property  # narrows TargetContext.version: never None here
    def version(self) -> Version:
        return self.release

    @property
    def chip(self) -> Chip:
        """The profile's chip: always resolved here (an unknown chip is an error, and a profile
        with errors never reaches an emitter)."""
        if self.profile.chip is None:
            raise ValueError(f"profile {self.profile.name} has no resolved chip")
        return self.profile.chip
