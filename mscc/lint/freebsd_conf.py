"""FreeBSD kernel configuration files (config(5)): `options`, `nooptions`, `device`,
`nodevice` and the other directives, checked against the option and device names
FreeBSD's own sources declare (targets/freebsd/names-*.json)."""

from __future__ import annotations

from mscc import codes
from mscc.lint import databases
from mscc.lint.conf_words import items, split_value, words
from mscc.lint.context import FileContext
from mscc.lint.repeats import Repeats
from mscc.diagnostics import Severity

DIRECTIVES = {
    "cpu", "nocpu", "ident", "machine", "include", "files", "hints", "env", "maxusers", "profile",
    "makeoption", "makeoptions", "nomakeoption", "nomakeoptions",
    "option", "options", "nooption", "nooptions", "device", "devices", "nodevice", "nodevices",
}
_ADD = {"option": "options", "options": "options", "device": "device", "devices": "device"}
_REMOVE = {"nooption": "options", "nooptions": "options", "nodevice": "device", "nodevices": "device"}


def check(ctx: FileContext) -> None:
    names = _names(ctx)
    debug = set(((databases.target_data("freebsd") or {}).get("debug") or {}).get("off", {}).get("nooptions", ()))
    state: dict[tuple[str, str], tuple[str, int]] = {}   # (kind, name) -> (how, line)
    repeats = Repeats(ctx)
    for line in ctx.code_lines():
        tokens = words(line.code)
        keyword, column = tokens[0]
        if keyword not in DIRECTIVES:
            _unknown_directive(ctx, line.number, keyword, column, line.code)
            continue
        if keyword in ("ident", "machine", "cpu", "maxusers"):
            repeats.add(keyword, " ".join(t for t, _ in tokens[1:]),
                        ctx.span(line.number, column, column + len(keyword)))
            continue
        kind = _ADD.get(keyword) or _REMOVE.get(keyword)
        if kind is None:
            continue
        removing = keyword in _REMOVE
        for item, col in items(tokens[1:]):
            name, value = split_value(item)
            span = ctx.span(line.number, col, col + len(name))
            _repeat(ctx, state, kind, name, value, removing, line.number, span)
            if names is not None:
                _known(ctx, names, kind, name, removing, span)
            if kind == "options" and not removing and name in debug and ctx.intent.production:
                ctx.report(codes.CONFIG_DEBUG, span, f"options {name} is a debugging option (sys/conf/std.debug), "
                           "in a kernel meant for production", "remove it, or use `include \"std.nodebug\"`")


def _names(ctx: FileContext):
    version = ctx.intent.version if ctx.intent.os == "freebsd" else None
    names = databases.bsd_names("freebsd", version)
    if names is None:
        have = ", ".join(databases.bsd_versions("freebsd")) or "none"
        ctx.report(codes.CONFIG_UNCHECKED, ctx.span(1, 1),
                   f"no FreeBSD {version or ''} name database; option and device names were not checked"
                   .replace("  ", " "),
                   f"mscc has FreeBSD name databases for: {have}")
    return names


def _known(ctx: FileContext, names, kind: str, name: str, removing: bool, span) -> None:
    from mscc.suggest import did_you_mean

    # config(8) stops at an unknown name in `options`/`device`, but ignores one in
    # `nooptions`/`nodevice`: there an unknown name is only a likely typo.
    severity = Severity.WARNING if removing else None
    if kind == "options":
        if name in names.options or name.startswith("DEV_"):
            return
        if name in names.compat:
            ctx.report(codes.CONFIG_LEGACY_NAME, span, f"option {name} is an old name of {names.compat[name]}",
                       f"write {names.compat[name]}")
            return
        ctx.report(codes.CONFIG_UNKNOWN_OPTION, span, f"FreeBSD {names.version} declares no option {name}",
                   did_you_mean(name, names.options) or "config(8) stops with 'unknown option'", severity)
    elif not names.knows_device(name):
        ctx.report(codes.CONFIG_UNKNOWN_DEVICE, span, f"FreeBSD {names.version} has no device {name}",
                   did_you_mean(name, names.devices) or "config(8) stops with 'device is unknown'", severity)


def _repeat(ctx, state, kind, name, value, removing, number, span) -> None:
    how = ("no" if removing else "") + kind + (f"={value}" if value is not None else "")
    before = state.get((kind, name))
    state[(kind, name)] = (how, number)
    if before is None:
        return
    if before[0] == how:
        ctx.report(codes.CONFIG_DUPLICATE, span, f"{kind} {name} repeats line {before[1]}",
                   "remove one of the two lines")
    else:
        ctx.report(codes.CONFIG_CONTRADICTION, span,
                   f"{_shown(how, name)} undoes line {before[1]} ({_shown(before[0], name)})",
                   "keep the line you mean and remove the other")


def _shown(how: str, name: str) -> str:
    keyword, _, value = how.partition("=")
    return f"{keyword} {name}" + (f"={value}" if value else "")


def _unknown_directive(ctx, number, keyword, column, code) -> None:
    span = ctx.span(number, column, column + len(keyword))
    if keyword == "no":
        hint = "FreeBSD writes `nooptions NAME` and `nodevice NAME` as one word"
    elif keyword.startswith("rmoption"):
        hint = "that is OpenBSD; FreeBSD writes `nooptions NAME`"
    elif " at " in f" {code} ":
        hint = "`DEVICE at PARENT` is NetBSD/OpenBSD syntax; FreeBSD writes `device NAME`"
    elif keyword == "pseudo-device":
        hint = "FreeBSD writes `device NAME` for pseudo-devices too"
    else:
        from mscc.suggest import did_you_mean
        hint = did_you_mean(keyword, DIRECTIVES) or "config(5) directives: " + ", ".join(sorted(DIRECTIVES))
    ctx.report(codes.CONFIG_BAD_LINE, span, f"config(8) does not know the directive '{keyword}'", hint)
