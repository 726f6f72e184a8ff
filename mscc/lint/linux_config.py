"""Linux `.config` files and Kconfig fragments (merge_config.sh conventions).

Checked against the Kconfig symbol database of the kernel series the file is for (its
"# Linux/arm64 6.12.x Kernel Configuration" header, else the newest database mscc has), and
for the architecture it is for (header, path arch/<arch>/configs/, CONFIG_<ARCH>=y, --arch):
a symbol of another architecture says where it exists; in a file whose architecture cannot
be told (kernel/configs/kvm_guest.config) a symbol is unknown only when no architecture has it.
"""

from __future__ import annotations

import re

from mscc import codes
from mscc.diagnostics import Severity, registry
from mscc.lint import databases, platform
from mscc.lint.context import FileContext
from mscc.lint.knowledge import knowledge
from mscc.knowledge.targets import load_json

_HEADER = re.compile(r"^# Linux/\S+ (\d+\.\d+)(\.\d+)?\S* Kernel Configuration", re.MULTILINE)
_VALID = {
    "bool": (("y", "n"), "y or n"),
    "tristate": (("y", "m", "n"), "y, m or n"),
}


def check(ctx: FileContext) -> None:
    from mscc.linux.kconfig import Assignment, BadLine, parse_config_lines

    db = _database(ctx)
    found = platform.linux(ctx)
    arches = databases.kconfig_arches(db.series) if db is not None else None
    # The table the alpine emitter checks raw lines with, so the two can never disagree.
    forbidden = load_json("alpine/target.json")["kconfig"]["forbidden"]
    known = knowledge()["linux"]
    debug = known["debug_symbols"]
    lock = set(known["lock_debugging"])
    if db is not None:
        for symbol in known["lock_debugging"]:
            lock |= db.selectors(symbol)
    seen: dict[str, Assignment] = {}
    mentions_zfs = re.search(r"zfs", ctx.text, re.IGNORECASE) is not None
    for item in parse_config_lines(ctx.text):
        if isinstance(item, BadLine):
            commented = _commented_assignment(item)
            if commented is None:
                _bad_line(ctx, item)
                continue
            ctx.report(codes.CONFIG_BAD_LINE, ctx.span(item.line, 1),
                       f"Kconfig reads CONFIG_{commented.symbol}={commented.value} and skips the comment after it",
                       "merge_config.sh's final check compares whole lines and will say the value is not in the "
                       "final .config: put the comment on a line of its own", Severity.NOTE)
            item = commented
        a = item
        name_span = ctx.span(a.line, a.column, a.column + len("CONFIG_") + len(a.symbol))
        _repeat(ctx, a, seen.get(a.symbol), name_span)
        seen[a.symbol] = a
        if db is not None and not _known(ctx, db, arches, found, a, name_span):
            continue
        forbid = forbidden.get(a.symbol)
        if forbid and a.value == forbid["value"]:
            ctx.report(registry()[forbid["code"]], name_span, f"CONFIG_{a.symbol}={a.value}: {forbid['why']}")
            continue
        on = a.value in ("y", "m")
        if on and a.symbol in lock and (ctx.intent.zfs or (ctx.intent.zfs is None and not ctx.debug_file)):
            # An error for a VM that uses ZFS; without a profile a warning when the file itself
            # mentions ZFS, else only a note (a board's defconfig may never load ZFS), and none
            # in a fragment named for debugging.
            ctx.report(codes.CONFIG_LOCKDEP_ZFS, name_span,
                       f"CONFIG_{a.symbol}={a.value} turns on DEBUG_LOCK_ALLOC, and OpenZFS refuses to build "
                       "against such a kernel (mutex_lock becomes GPL-only)",
                       "remove it, or turn lock debugging off for a kernel that must load ZFS",
                       None if ctx.intent.zfs else Severity.WARNING if mentions_zfs else Severity.NOTE)
        elif on and a.symbol in debug and ctx.debug_advice is not None:
            ctx.report(codes.CONFIG_DEBUG, name_span,
                       f"CONFIG_{a.symbol}={a.value}: {debug[a.symbol]}, {ctx.debug_purpose}",
                       "drop it for a production kernel, or lint with a --profile whose kernel.debug is on",
                       ctx.debug_advice)


# A fragment without a header may say its kernel in its name or folder:
# microvm-kernel-x86_64-5.10.config, kernel-6.1.cfg, configs/linux-5.15/virt.config.
_NAME_SERIES = re.compile(r"(?:^|[-_ /v])(2\.6|[3-7]\.\d{1,2})(?:\.\d{1,3})?"
                          r"(?=[-_.](?:config|cfg|fragment)$|[-_.]?defconfig$|$)")


def _series_from_path(path: str) -> str | None:
    parts = path.replace("\\", "/").split("/")
    for part in (parts[-1], *(reversed(parts[-3:-1]))):
        m = _NAME_SERIES.search(part)
        if m:
            return m.group(1)
    return None


def _database(ctx: FileContext):
    available = databases.kconfig_series()
    header = _HEADER.search(ctx.text[:2000])
    wanted = header.group(1) if header else _series_from_path(ctx.path)
    series = wanted if wanted in available else (None if wanted else (available[-1] if available else None))
    db = databases.kconfig(series) if series else None
    if db is None:
        what = f"Linux {wanted}" + ("" if header else " (from the file's name)") if wanted else "any Linux version"
        have = ", ".join(available) or "none"
        ctx.report(codes.CONFIG_UNCHECKED, ctx.span(header_line(ctx, header), 1),
                   f"no Kconfig symbol database for {what}; symbol names and values were not checked",
                   f"mscc has databases for: {have} (scripts/gen_kconfig_db.py makes more)")
    return db


def header_line(ctx: FileContext, header) -> int:
    return ctx.text.count("\n", 0, header.start()) + 1 if header else 1


def _known(ctx: FileContext, db, arches, found, a, name_span) -> bool:
    where = arches.where(a.symbol, a.symbol in db.types) if arches is not None else (
        ("*",) if a.symbol in db.types else None)
    arch = found.arch
    # User-mode Linux reads its host's arch/x86/um/Kconfig (arch/um/Kconfig sources
    # arch/$(HEADER_ARCH)/um/Kconfig), so x86's symbols may appear in a um config.
    if arch == "um" and where is not None and "x86" in where:
        where = where + ("um",)
    if where is not None and (where == ("*",) or arch is None or arch in where):
        if a.symbol not in db.types:
            return False  # another architecture's symbol: its values are not in arm64's database
        per_arch = where != ("*",)
        if per_arch and arch is not None and arch != "arm64":
            return True  # defined per architecture (NR_CPUS): arm64's type and range need not apply
        # architecture unknown: the type holds everywhere, a per-architecture range need not
        return _value(ctx, db, a, ranges=not (per_arch and arch is None),
                      tristate_elsewhere=arch is None and arches is not None and a.symbol in arches.tristate_in)
    checked = f"Linux {db.version} {arch or '(any architecture)'}"
    if where is not None:
        ctx.report(codes.CONFIG_UNKNOWN_SYMBOL, name_span,
                   f"CONFIG_{a.symbol} is not a Kconfig symbol of {checked}; it exists on {', '.join(where)}",
                   f"the architecture is {arch} from {found.arch_from}; Kconfig ignores the line there",
                   Severity.WARNING)
        return False
    same_series = found.release is not None and found.release != db.version and \
        found.release.startswith(db.series + ".")
    matches = [m for m in db.close_matches(a.symbol) if arches is None or arch is None or
               arches.where(m, True) in (("*",), None) or arch in (arches.where(m, True) or ())]
    hint = ("did you mean " + " or ".join(f"CONFIG_{m}" for m in matches) + "?") if matches \
        else "Kconfig ignores unknown symbols without a word; check the spelling and the kernel version"
    if _written_by_kconfig(ctx):
        # Kconfig writes only the symbols its own tree defines: a name unknown here comes from the
        # tree that wrote the file (another point release, a vendor's patches), not from a typo.
        where_from = f"Linux {found.release}" if found.release else "its kernel"
        ctx.report(codes.CONFIG_UNKNOWN_SYMBOL, name_span,
                   f"CONFIG_{a.symbol} is not a Kconfig symbol of {checked}; Kconfig of {where_from} wrote this "
                   "file, so that tree has it (a point release or a patched kernel)", hint, Severity.NOTE)
        return False
    if same_series:
        ctx.report(codes.CONFIG_UNKNOWN_SYMBOL, name_span,
                   f"CONFIG_{a.symbol} is not a Kconfig symbol of {checked}; the file is for {found.release}, "
                   "and point releases within a series add and rename symbols", hint, Severity.WARNING)
        return False
    # A warning, not an error: Kconfig drops the line and builds on (merge_config.sh only warns).
    ctx.report(codes.CONFIG_UNKNOWN_SYMBOL, name_span, f"CONFIG_{a.symbol} is not a Kconfig symbol of {checked}",
               hint, Severity.WARNING)
    return False


_GENERATED = re.compile(r"^# Automatically generated file; DO NOT EDIT\.\s*$", re.MULTILINE)


def _written_by_kconfig(ctx: FileContext) -> bool:
    """A whole `.config` as `make *config` writes it: the marker line, then the kernel's header."""
    head = ctx.text[:500]
    return _GENERATED.search(head) is not None and _HEADER.search(head) is not None


def _value(ctx: FileContext, db, a, ranges: bool = True, tristate_elsewhere: bool = False) -> bool:
    kind = db.types[a.symbol]
    if a.value == "n" or kind is None:
        return True
    if tristate_elsewhere and kind == "bool" and a.value == "m":
        # A symbol each architecture defines itself may be a bool on arm64 and a tristate
        # elsewhere (KVM is tristate on x86): with the architecture unknown, m may be right.
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
            for low, high in (db.ranges(a.symbol) if ranges else ()):
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


# `CONFIG_X=y   # why`: Kconfig's conf_set_sym_val reads a bool or tristate by its first
# character and a string up to its closing quote, so the comment after either is skipped
# (linux scripts/kconfig/confdata.c, v6.12); a number with a comment after it is not valid.
_COMMENTED = re.compile(r'^CONFIG_([A-Za-z0-9_]+)=([ymn]|"(?:[^"\\]|\\.)*")\s*#.*$')


def _commented_assignment(item):
    """The assignment Kconfig reads from a value followed by a comment, or None."""
    from mscc.linux.kconfig import Assignment

    match = _COMMENTED.match(item.text.rstrip("\r"))
    return Assignment(match.group(1), match.group(2), item.line, 1) if match else None


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
