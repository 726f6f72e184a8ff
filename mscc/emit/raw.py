"""The raw keys each target reads. The language admits every raw key for every target
(mscc/language.py); a key the target's emitter never writes would otherwise vanish without a
word, so check_raw reports it here."""

from __future__ import annotations

from mscc import codes
from mscc.check.context import Context
from mscc.diagnostics import Diagnostic, diag


def unread_keys(ctx: Context, reads: tuple[str, ...]) -> list[Diagnostic]:
    """MS102 for each non-empty `raw TARGET { key = [...] }` the target does not write anywhere."""
    name = ctx.target.name
    out = []
    for key, lines in ctx.profile.raw.get(name, {}).items():
        if key in reads or not lines:
            continue
        out.append(diag(codes.UNKNOWN_SETTING, lines[0].span,
                        f"raw {name} has no `{key}` lines: mscc writes no file for them on {name}",
                        f"raw {name} takes {', '.join(reads)}"))
    return out
