"""Linux `.config` files and Kconfig fragments (merge_config.sh conventions).

Checked against the Kconfig symbol database of the kernel series the file is for (its
"# Linux/arm64 6.12.x Kernel Configuration" header, else the newest database mscc has).
"""

from __future__ import annotations

import re

from mscc import codes
from mscc.diagnostics import registry
from mscc.lint import databases
from mscc.lint.context import FileContext
from mscc.lint.knowledge import knowledge
from mscc.targets import load_json

_HEADER = re.compile(r"^# Linux/\S+ (\d+\.\d+)(\.\d+)?\S* Kernel Configuration", re.M)
_VALID = {
    "bool": (("y", "n"), "y or n"),
    "tristate": (("y", "m", "n"), "y, m or n"),
}


def check(ctx: FileContext) -> None:
    from mscc.linux.kconfig import Assignment, BadLine, parse_config_lines

    db = _database(ctx)
    # The table the alpine emitter checks raw lines with, so the two can never disagree.
    forbidden = load_json("alpine/target.json")["kconfig"]["forbidden"]
    known = knowledge()["linux"]
    debug = known["debug_symbols"]
    lock = set(known["lock_debugging"])
    if db is not None:
        for symbol in known["lock_debugging"]:
            lock |= db.selectors(symbol)
    seen: dict[str, Assignment] = {}
    for item in parse_config_lines(ctx.text):
        if isinstance(item, BadLine):
            _bad_line(ctx, item)
            continue
        a = item
        name_span = ctx.span(a.line, a.column, a.column + len("CONFIG_") + len(a.symbol))
        _repeat(ctx, a, seen.get(a.symbol), name_span)
        seen[a.symbol] = a
        if db is not None and not _known(ctx, db, a, name_span):
            continue
        forbid = forbidden.get(a.symbol)
        if forbid and a.value == forbid["value"]:
            ctx.report(registry()[forbid["code"]], name_span, f"CONFIG_{a.symbol}={a.value}: {forbid['why']}")
            continue
        on = a.value in ("y", "m")
        if on and a.symbol in lock and ctx.intent.zfs is not False:
            ctx.report(codes.CONFIG_LOCKDEP_ZFS, name_span,
                       f"CONFIG_{a.symbol}={a.value} turns on DEBUG_LOCK_ALLOC, and OpenZFS refuses to build "
                       "against such a kernel (mutex_lock becomes GPL-only)",
                       "remove it, or turn lock debugging off for a kernel that must load ZFS")
        elif on and a.symbol in debug and ctx.intent.production:
            ctx.report(codes.CONFIG_DEBUG, name_span,
                       f"CONFIG_{a.symbol}={a.value}: {debug[a.symbol]}, in a kernel meant for production",
                       "drop it for a production kernel, or lint with a --profile whose kernel.debug is on")


def _database(ctx: FileContext):
    available = databases.kconfig_series()
    header = _HEADER.search(ctx.text[:2000])
    wanted = header.group(1) if header else None
    series = wanted if wanted in available else (None if wanted else (available[-1] if available else None))
    db = databases.kconfig(series) if series else None
    if db is None:
        what = f"Linux {wanted}" if wanted else "any Linux version"
        have = ", ".join(available) or "none"
        ctx.report(codes.CONFIG_UNCHECKED, ctx.span(header_line(ctx, header), 1),
                   f"no Kconfig symbol database for {what}; symbol names and values were not checked",
                   f"mscc has databases for: {have} (scripts/gen-kconfig-db.py makes more)")
    return db


def header_line(ctx: FileContext, header) -> int:
    return ctx.text.count("\n", 0, header.start()) + 1 if header else 1


def _known(ctx: FileContext, db, a, name_span) -> bool:
    if a.symbol not in db.types:
        matches = db.close_matches(a.symbol)
        ctx.report(codes.CONFIG_UNKNOWN_SYMBOL, name_span,
                   f"CONFIG_{a.symbol} is not a Kconfig symbol in Linux {db.series}",
                   ("did you mean " + " or ".join(f"CONFIG_{m}" for m in matches) + "?") if matches
                   else "Kconfig ignores unknown symbols without a word; check the spelling and the kernel version")
        return False
    kind = db.types[a.symbol]
    if a.value == "n" or kind is None:
        return True
    problem = None
    if kind in _VALID and a.value not in _VALID[kind][0]:
        problem = f"CONFIG_{a.symbol} is a {kind}: {a.value} is not one of {_VALID[kind][1]}"
    elif kind in ("int", "hex"):
        number = _number(a.value, kind)
        if number is None:
            problem = f"CONFIG_{a.symbol} is {'an int' if kind == 'int' else 'a hex'}: {a.value} is not a " \
                      f"{'number' if kind == 'int' else 'hexadecimal number such as 0x1f'}"
        else:
            for low, high in db.ranges(a.symbol):
                if not low <= number <= high:
                    problem = f"CONFIG_{a.symbol}={a.value} is outside its range {low}..{high}"
    elif kind == "string" and not a.value.startswith('"'):
        problem = f"CONFIG_{a.symbol} is a string: the value must be quoted"
    if problem:
        line = ctx.raw_lines[a.line - 1]
        start = line.find("=") + 2
        ctx.report(codes.CONFIG_OUT_OF_RANGE, ctx.span(a.line, start), problem,
                   "Kconfig drops an invalid value and keeps the default")
    return True


def _number(value: str, kind: str) -> int | None:
    try:
        if kind == "hex":
            return int(value, 16) if value.lower().startswith("0x") else None
        return int(value, 10)
    except ValueError:
        return None


def _repeat(ctx: FileContext, a, first, name_span) -> None:
    if first is None:
        return
    if first.value == a.value:
        ctx.report(codes.CONFIG_DUPLICATE, name_span,
                   f"CONFIG_{a.symbol} is already set to {a.value} on line {first.line}",
                   "remove one of the two lines")
    else:
        ctx.report(codes.CONFIG_CONTRADICTION, name_span,
                   f"CONFIG_{a.symbol}={a.value} contradicts line {first.line} ({_shown(first)}); the last one wins",
                   "keep the value you mean and remove the other line")


def _shown(a) -> str:
    return f"# CONFIG_{a.symbol} is not set" if a.value == "n" and a.column == 3 else f"CONFIG_{a.symbol}={a.value}"


def _bad_line(ctx: FileContext, item) -> None:
    text = item.text.rstrip("\r")
    column = len(text) - len(text.lstrip()) + 1
    stripped = text.strip()
    if stripped.startswith("#"):
        hint = "write exactly '# CONFIG_NAME is not set': Kconfig reads nothing else as an unset line"
        message = "Kconfig reads this as a plain comment, not as 'is not set'"
    elif re.match(r"^CONFIG_\w+\s*=\s*\S", stripped) and " " in stripped.split("#")[0].strip():
        message = "Kconfig ignores this line: blanks around '=' or a trailing comment"
        hint = "write CONFIG_NAME=value with nothing else on the line"
    elif re.match(r"^CONFIG_\w+=\S+$", stripped):
        message = "Kconfig cannot read this value: not y, m, n, a number or a quoted string"
        hint = 'quote strings: CONFIG_NAME="value"'
    elif text != stripped:
        message = "Kconfig ignores a line with leading or trailing blanks"
        hint = "remove the blanks"
    else:
        message = "Kconfig cannot read this line"
        hint = "lines are CONFIG_NAME=value or '# CONFIG_NAME is not set'"
    ctx.report(codes.CONFIG_BAD_LINE, ctx.span(item.line, column), message, hint)
