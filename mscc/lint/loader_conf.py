"""FreeBSD `/boot/loader.conf`: `name="value"` lines read by loader(8) at boot.

Only `vfs.zfs.*` names can be checked (the OpenZFS parameter database); other tunables
have no database, so they are checked for syntax and repetition only."""

from __future__ import annotations


from mscc import codes, loader_line
from mscc.lint.context import FileContext
from mscc.lint.repeats import Repeats
from mscc.lint.zfs_params import ZfsChecker

_LINE = loader_line.LINE  # the reading `mscc compile` uses for raw loader lines


def check(ctx: FileContext) -> None:
    zfs = ZfsChecker(ctx, suffixes=True)
    repeats = Repeats(ctx, sizes=True)
    for line in ctx.code_lines():
        code = line.code.strip()
        match = _LINE.match(code)
        if match is None:
            ctx.report(codes.CONFIG_BAD_LINE, ctx.span(line.number, line.start + 1),
                       "loader(8) cannot read this line", 'lines are name="value"')
            continue
        key, value = match.group("key"), match.group("value")
        bare = value.strip('"')
        key_span = ctx.span(line.number, line.start + 1, line.start + 1 + len(key))
        value_col = line.start + 1 + match.start("value")
        value_span = ctx.span(line.number, value_col, value_col + len(value))
        repeats.add(key, bare, key_span)
        if key.endswith("_load") and bare.upper() not in ("YES", "NO"):
            ctx.report(codes.CONFIG_OUT_OF_RANGE, value_span, f"{key} takes YES or NO, not {value}",
                       'write "YES" to load the module at boot')
        if not key.startswith("vfs.zfs.") or zfs.unchecked(key_span):
            continue
        tunable = zfs.freebsd_tunable(key, key_span)
        if tunable is None:
            continue
        if tunable.loader is False:
            ctx.report(codes.CONFIG_WRONG_FILE, key_span,
                       f"{key} is not a boot-time tunable; loader.conf cannot set it",
                       "set it in /etc/sysctl.conf")
        zfs.value(tunable, key, bare, value_span)
    zfs.finish()
