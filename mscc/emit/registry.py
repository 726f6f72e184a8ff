"""The emitter interface, and the one way to reach a target's emitter.

The targets are the names in `mscc.language.TARGETS` (the one list). The emitter of target
`t` is the module `mscc.emit.t`, imported only when that target is compiled; it implements
`Emitter` as plain module-level names. mypy checks every emitter against the interface
through the imports under TYPE_CHECKING below (a module is a valid protocol implementation),
and tests/test_registry.py checks that those imports name every target.
"""

from __future__ import annotations

import importlib
from importlib.util import find_spec
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from mscc.language import TARGETS

if TYPE_CHECKING:
    from mscc.check.context import Context
    from mscc.diagnostics import Diagnostic
    from mscc.emit.artifacts import Artifact


@runtime_checkable
class Emitter(Protocol):
    """What a target's emitter module provides."""

    @property
    def ARTIFACT_KINDS(self) -> tuple[str, ...]:  # upper case: a module-level constant in each emitter
        """The artifact kinds (mscc.emit.artifacts.KINDS) this target can produce, besides the
        report every target gets."""
        ...

    @property
    def RAW_KEYS(self) -> tuple[str, ...]:  # a module-level constant in each emitter
        """The keys of `raw <target> { ... }` this target writes somewhere; check_raw reports
        any other key (mscc.emit.raw.unread_keys) rather than drop its lines."""
        ...

    def check_raw(self, ctx: Context) -> list[Diagnostic]:
        """Diagnostics for the profile's `raw <target>` lines (runs under lint too: keep it light)."""
        ...

    def emit(self, ctx: Context) -> tuple[list[Artifact], list[str]]:
        """The artifacts, and the decisions the report lists."""
        ...


def module_name(target: str) -> str:
    if target not in TARGETS:
        raise KeyError(f"unknown target {target!r}")
    return f"mscc.emit.{target}"


def emitter(target: str) -> Emitter:
    module = importlib.import_module(module_name(target))
    if not isinstance(module, Emitter):
        raise TypeError(f"{module.__name__} does not implement the Emitter interface")
    return module


def has_emitter(target: str) -> bool:
    """Whether this installation has the target's emitter (a partial install may not)."""
    return find_spec(module_name(target)) is not None


if TYPE_CHECKING:  # every target's emitter, checked against Emitter by mypy
    from mscc.emit import alpine, freebsd, netbsd, openbsd

    _CHECKED: tuple[Emitter, ...] = (alpine, freebsd, netbsd, openbsd)
