"""NetBSD and OpenBSD kernel configuration files: the 4.4BSD config(8) language both kept,
with their different ways to remove things (NetBSD `no ...`, OpenBSD only `rmoption`).

Names are checked against targets/<os>/names-*.json when it exists. Unknown *options* are
warnings: both config(8)s pass them through silently as -D flags, which is exactly why a
typo there goes unnoticed. Unknown devices are errors, as they are for config(8)."""

from __future__ import annotations

from dataclasses import dataclass

from mscc import codes
from mscc.diagnostics import Severity
from mscc.lint import names_judge, platform
from mscc.lint.conf_words import base_name, items, split_value, words
from mscc.lint.context import FileContext
from mscc.lint.knowledge import knowledge


@dataclass(frozen=True)
class Dialect:
    os: str
    title: str
    options: frozenset      # keywords that add options
    remove_options: frozenset
    keywords: frozenset     # every other keyword a line may start with
    duplicate_option_is_error: bool


NETBSD = Dialect(
    "netbsd", "NetBSD", frozenset({"options"}), frozenset(),
    frozenset({"include", "cinclude", "ident", "maxusers", "makeoptions", "file-system", "pseudo-device",
               "config", "select", "machine", "prefix", "ifdef", "ifndef", "elifdef", "elifndef", "else",
               "endif", "no", "-no", "-include",
               # NetBSD's config(1) reads one grammar for kernel configs and files(5) (gram.y's
               # `topthings`, keywords of usr.bin/config/scan.l): a config may declare too, as
               # evbmips XLSATX (`defparam`) and usermode std.usermode (`defflag`) do.
               "defflag", "defparam", "defopt", "deffs", "define", "defpseudo", "defpseudodev", "device",
               "attach", "file", "object", "device-major", "devclass", "maxpartitions", "obsolete",
               "buildprefix", "package", "ioconf", "linkzero", "source", "build", "version", "pseudo-root"}),
    duplicate_option_is_error=False,
)
# OpenBSD's config(8) stops at an option given twice ("already have options 'X'": main.c addoption).
OPENBSD = Dialect(
    "openbsd", "OpenBSD", frozenset({"option", "options"}), frozenset({"rmoption", "rmoptions"}),
    # config_spec of usr.sbin/config/gram.y also takes `file` and `object` lines
    frozenset({"include", "maxusers", "makeoption", "makeoptions", "pseudo-device", "config", "machine",
               "file", "object"}),
    duplicate_option_is_error=True,
)
DIALECTS = {"netbsd-kernel": NETBSD, "openbsd-kernel": OPENBSD}
# Lines only NetBSD's config(1) reads: without them (and without a $NetBSD$ id) a file of
# `include "arch/amd64/conf/GENERIC"` and `pseudo-device` lines may as well be OpenBSD's.
NETBSD_ONLY = frozenset({"no", "-no", "file-system", "select", "cinclude", "-include", "ifdef", "ifndef"})


def check(ctx: FileContext) -> None:
    dialect = DIALECTS[ctx.kind]
    names = _names(ctx, dialect)
    other = _openbsd_names(ctx) if dialect is NETBSD else None
    # Upstream -current GENERICs carry DIAGNOSTIC on purpose ("to be commented out on release
    # branch"): without a profile that says production, a debug option is a note (ctx.debug_advice).
    debug = set(knowledge()[dialect.os]["debug_options"]) if ctx.debug_advice is not None else set()
    selected: dict[str, int] = {}
    for line in ctx.code_lines():
        tokens = words(line.code)
        keyword, column = tokens[0]
        keyword_span = ctx.span(line.number, column, column + len(keyword))
        if keyword in dialect.options:
            for item, col in items(tokens[1:]):
                name, _ = split_value(item)
                span = ctx.span(line.number, col, col + len(name))
                _add_option(ctx, dialect, names, debug, selected, name, span, line.number)
        elif keyword in dialect.remove_options or (keyword in ("no", "-no") and dialect is NETBSD):
            _remove(ctx, dialect, names, selected, tokens, line.number)
        elif keyword == "pseudo-device" and len(tokens) > 1:
            name, col = tokens[1]
            _unknown_device(ctx, names, name, ctx.span(line.number, col, col + len(name)), other=other)
        elif len(tokens) >= 3 and tokens[1][0] == "at":
            name, col = tokens[0]
            _unknown_device(ctx, names, base_name(name), ctx.span(line.number, col, col + len(base_name(name))),
                            other=other)
        elif keyword in dialect.keywords:
            if keyword == "file-system" and dialect is NETBSD:
                for item, col in items(tokens[1:]):
                    _unknown(ctx, codes.CONFIG_UNKNOWN_OPTION, names, "file-system", item,
                             ctx.span(line.number, col, col + len(item)), None)
        else:
            ctx.report(codes.CONFIG_BAD_LINE, keyword_span, f"{dialect.title} config(8) does not read '{keyword}'",
                       _directive_hint(dialect, keyword))


def _names(ctx: FileContext, dialect: Dialect) -> names_judge.Judge:
    found = platform.netbsd(ctx) if dialect is NETBSD else platform.openbsd(ctx)
    judge = names_judge.judge(dialect.os, found)
    if judge.unchecked:
        ctx.report(codes.CONFIG_UNCHECKED, ctx.span(1, 1), judge.unchecked,
                   "state the architecture with --arch")
    return judge


def _openbsd_names(ctx: FileContext) -> names_judge.Judge | None:
    """OpenBSD's names for a file read as NetBSD's that nothing marks as NetBSD's: the two
    config(8)s share `include "arch/..."` and `pseudo-device` (a syzkaller config of
    `include "arch/amd64/conf/GENERIC"` and `pseudo-device kcov 1` is OpenBSD's)."""
    from mscc.lint.kinds import first_rcs_id

    if first_rcs_id(ctx.text) == "NetBSD":
        return None
    if any(line.code.split()[0] in NETBSD_ONLY for line in ctx.code_lines()):
        return None
    other = names_judge.judge("openbsd", platform.openbsd(ctx))
    return other if other.unchecked is None else None


def _add_option(ctx, dialect, names, debug, selected, name, span, number) -> None:
    if name in selected:
        ctx.report(codes.CONFIG_DUPLICATE, span, f"option {name} is already selected on line {selected[name]}",
                   "remove one of the two lines" + (": OpenBSD's config(8) stops at a repeated option"
                                                    if dialect.duplicate_option_is_error else ""),
                   Severity.ERROR if dialect.duplicate_option_is_error else None)
    selected[name] = number
    # Neither BSD calls an undeclared option unknown: config(8) passes it on as -D{name}, and
    # the code reads many that no file declares (OpenBSD WS_KERNEL_FG, FONT_SPLEEN12x24; NetBSD
    # DIAGNOSTIC, CONSDEVNAME). Only an option another architecture declares is worth a note.
    unknown = names.unknown("options", name) if dialect is NETBSD else None
    if unknown is not None and unknown.elsewhere:
        ctx.report(codes.CONFIG_UNKNOWN_OPTION, span, unknown.message,
                   f"{dialect.title}'s config(1) passes it on as -D{name}; {unknown.hint}", Severity.NOTE)
    if name in debug:
        ctx.report(codes.CONFIG_DEBUG, span, f"options {name} is a debugging option, {ctx.debug_purpose}",
                   "remove it for a production kernel", ctx.debug_advice)


def _remove(ctx, dialect, names, selected, tokens, number) -> None:
    if dialect is NETBSD:
        if tokens[0][0] == "-no":
            return  # `-no X`: remove X if it is there, silently if not
        # `no options X`, `no pseudo-device X`, `no file-system X`, `no makeoptions X`, `no DEV [at P]`
        what = tokens[1][0] if len(tokens) > 1 else ""
        rest = tokens[2:] if what in ("options", "pseudo-device", "file-system", "makeoptions", "select",
                                      "config", "ident") else tokens[1:]
        if what == "options":
            for item, col in items(rest):
                span = ctx.span(number, col, col + len(item))
                if item in selected:
                    ctx.report(codes.CONFIG_CONTRADICTION, span,
                               f"no options {item} undoes line {selected.pop(item)} of this file",
                               "keep the line you mean and remove the other")
        elif what not in ("pseudo-device", "file-system", "makeoptions", "select", "config", "ident") and rest:
            name, col = rest[0]
            _unknown_device(ctx, names, base_name(name), ctx.span(number, col, col + len(base_name(name))),
                            Severity.WARNING)
        return
    for item, _col in items(tokens[1:]):  # OpenBSD rmoption
        selected.pop(item, None)


def _unknown(ctx, code, judge: names_judge.Judge, kind: str, name: str, span, severity, why=None,
             other: names_judge.Judge | None = None) -> None:
    unknown = judge.unknown(kind, name)
    if unknown is None:
        return
    if other is not None and other.unknown(kind, name) is None:
        ctx.report(code, span, f"{unknown.message}; {other.title} has it, and nothing in the file says NetBSD",
                   "if this config is for OpenBSD, lint it with --kind openbsd-kernel", Severity.NOTE)
        return
    hint = unknown.hint or why
    if why and unknown.hint and not unknown.elsewhere:
        hint = f"{unknown.hint} ({why})"
    tables_date = judge.older_than_tables
    if tables_date and not unknown.elsewhere:
        # The release the file was written for may well have had the name (NetBSD 10 dropped
        # strip and nsmb, which a 2020 config still lists): not an alarm, only what was seen.
        severity = Severity.NOTE
        hint = (f"the file is dated {judge.platform.release}, mscc's tables {tables_date}: "
                f"the name may have been removed since; {hint}")
    newer_date = judge.newer_than_tables
    if newer_date and not unknown.elsewhere and (severity is None or severity > Severity.WARNING):
        # a -current file written after the tables: the device may be new (a warning, not an error)
        severity = Severity.WARNING
        hint = (f"the file is dated {judge.platform.release}, mscc's newest tables {newer_date}: "
                f"the name may have been added since; {hint}")
    ctx.report(code, span, unknown.message, hint, severity)


def _unknown_device(ctx, judge, name, span, severity=None, other=None) -> None:
    _unknown(ctx, codes.CONFIG_UNKNOWN_DEVICE, judge, "device", name, span, severity,
             "config(1) stops with an unknown device", other)


def _directive_hint(dialect: Dialect, keyword: str) -> str:
    if dialect is OPENBSD and keyword in ("no", "nodevice", "nooptions", "nooption", "rmdevice"):
        return ("OpenBSD has no device-removal keyword: remove options with `rmoption NAME`; for devices "
                "write a complete config instead of including GENERIC (an included device can only be disabled)")
    if dialect is NETBSD and keyword in ("nooptions", "nooption", "nodevice", "rmoption"):
        return "NetBSD writes `no options NAME` and `no DEVICE at PARENT`"
    if keyword in ("device", "devices"):
        return f"{dialect.title} attaches devices as `NAME* at PARENT?`, or `pseudo-device NAME`"
    from mscc.suggest import did_you_mean
    return did_you_mean(keyword, dialect.keywords | dialect.options | dialect.remove_options) or \
        "a device attachment reads `NAME* at PARENT?`"
