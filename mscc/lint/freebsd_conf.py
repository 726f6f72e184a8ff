"""FreeBSD kernel configuration files (config(5)): `options`, `nooptions`, `device`,
`nodevice` and the other keywords of usr.sbin/config/lang.l, checked against the option and
device names FreeBSD's own sources declare for the file's architecture and release
(targets/freebsd/arches-*.json; see mscc/lint/platform.py for how both are found)."""

from __future__ import annotations

import re

from mscc import codes
from mscc.diagnostics import Severity
from mscc.lint import databases, names_judge, platform
from mscc.lint.conf_words import items, split_value, words
from mscc.lint.context import FileContext

# The keywords of FreeBSD's config(8) (usr.sbin/config/lang.l, key_words[], 15.0), and
# `profile`, which older releases' config(8) still read (configs of those releases are linted too).
DIRECTIVES = {
    "cpu", "nocpu", "device", "devices", "nodevice", "nodevices", "env", "envvar", "hints", "ident",
    "machine", "makeoption", "makeoptions", "nomakeoption", "nomakeoptions", "maxusers",
    "option", "options", "nooption", "nooptions", "include", "includeoptions", "files", "profile",
}
_ADD = {"option": "options", "options": "options", "device": "device", "devices": "device"}
_REMOVE = {"nooption": "options", "nooptions": "options", "nodevice": "device", "nodevices": "device"}
# Keywords whose line is everything after them (a value, not a name list).
_FREE_TEXT = {"envvar", "env", "hints", "include", "files", "ident", "makeoption", "makeoptions",
              "nomakeoption", "nomakeoptions", "includeoptions"}
_STD_DEBUG = re.compile(r'^"?(?:.*/)?std\.debug"?$')


def check(ctx: FileContext) -> None:
    found = platform.freebsd(ctx)
    judge = names_judge.judge("freebsd", found)
    if judge.unchecked:
        ctx.report(codes.CONFIG_UNCHECKED, ctx.span(1, 1), judge.unchecked,
                   _how_found(found) + "; state the release with --release or the architecture with --arch")
    debug = _debug_options() if ctx.debug_advice is not None else set()
    state: dict[tuple[str, str], tuple[str, int]] = {}   # (kind, name) -> (how, line)
    removed_debug: dict[str, int] = {}                    # debug option -> line of its nooptions
    seen_line: dict[str, tuple[str, int]] = {}            # ident/machine/maxusers -> (value, line)
    for line in ctx.code_lines():
        for statement in line.code.split(";"):
            tokens = words(statement)
            if not tokens:
                continue
            offset = line.code.find(statement)
            tokens = [(w, c + offset) for w, c in tokens]
            _statement(ctx, judge, debug, state, removed_debug, seen_line, line.number, tokens)


def _statement(ctx, judge, debug, state, removed_debug, seen_line, number, tokens) -> None:
    keyword, column = tokens[0]
    if keyword not in DIRECTIVES:
        _unknown_directive(ctx, number, keyword, column, " ".join(w for w, _ in tokens))
        return
    if keyword in ("ident", "machine", "maxusers"):
        _single(ctx, seen_line, keyword, " ".join(t for t, _ in tokens[1:]), number, column)
        return
    if keyword == "include" and len(tokens) > 1 and _STD_DEBUG.match(tokens[1][0]):
        for name, removed_on in sorted(removed_debug.items(), key=lambda kv: kv[1]):
            ctx.report(codes.CONFIG_CONTRADICTION, ctx.span(number, column, column + len(keyword)),
                       f"include \"std.debug\" turns {name} back on after `nooptions {name}` on line {removed_on}",
                       "config(8) applies lines in order: move the nooptions after the include")
        removed_debug.clear()
        return
    kind = _ADD.get(keyword) or _REMOVE.get(keyword)
    if kind is None:
        return
    removing = keyword in _REMOVE
    _commas(ctx, keyword, tokens, number)
    for item, col in items(tokens[1:]):
        name, value = split_value(item)
        span = ctx.span(number, col, col + len(name))
        _repeat(ctx, state, kind, name, value, removing, number, span)
        _known(ctx, judge, kind, name, removing, span)
        if kind == "options" and removing:
            removed_debug[name] = number
        elif kind == "options":
            removed_debug.pop(name, None)
            if name in debug:
                ctx.report(codes.CONFIG_DEBUG, span, f"options {name} is a debugging option (sys/conf/std.debug), "
                           + ctx.debug_purpose,
                           "remove it, or use `include \"std.nodebug\"`", ctx.debug_advice)


def _commas(ctx, keyword, tokens, number) -> None:
    """config(8)'s grammar separates names with commas: `nodevice a b` is a syntax error."""
    previous_was_name = False
    previous = ""
    for word, col in tokens[1:]:
        joined = word.startswith("=") or previous.endswith("=")  # `NAME = VALUE` (lang.l: "=" is a token)
        previous = word
        if word == ",":
            previous_was_name = False
            continue
        if previous_was_name and not joined:
            ctx.report(codes.CONFIG_BAD_LINE, ctx.span(number, col, col + len(word)),
                       f"config(8) stops with a syntax error: the names after `{keyword}` need commas between them",
                       f"write `{keyword} {', '.join(w for w, _ in tokens[1:] if w != ',')}`, or one name per line")
            return
        previous_was_name = True


def _single(ctx, seen_line, keyword, value, number, column) -> None:
    before = seen_line.get(keyword)
    seen_line[keyword] = (value, number)
    if before is None:
        return
    span = ctx.span(number, column, column + len(keyword))
    if before[0] == value:
        ctx.report(codes.CONFIG_DUPLICATE, span, f"{keyword} is already set to {value} on line {before[1]}",
                   "remove one of the two lines")
    else:
        ctx.report(codes.CONFIG_CONTRADICTION, span,
                   f"{keyword} = {value} contradicts line {before[1]} ({keyword} = {before[0]}); the last one wins"
                   if keyword != "machine" else f"config(8) allows one machine directive; line {before[1]} has one",
                   "keep the value you mean and remove the other line")


def _debug_options() -> set:
    """std.debug's options that a release GENERIC does not select (USB_DEBUG is in GENERIC)."""
    out: set = set()
    for version in databases.arch_versions("freebsd"):
        data = databases.arch_table_data("freebsd", version) or {}
        for table in data.get("arches", {}).values():
            out.update(table.get("debug_options", ()))
    return out


def _how_found(found: platform.Platform) -> str:
    arch = f"architecture {found.arch} from {found.arch_from}" if found.arch else "architecture unknown"
    release = f"release {found.release} from {found.release_from}" if found.release else "release unknown"
    return f"{arch}, {release}"


def _known(ctx: FileContext, judge, kind: str, name: str, removing: bool, span) -> None:
    if kind == "options" and name.startswith("DEV_"):
        return  # config(8) defines DEV_<device> options itself
    unknown = judge.unknown(kind, name)
    if unknown is None:
        return
    found = judge.platform
    stated = found.release is not None and not found.release_inferred
    fork = _derivative(kind, name)
    if fork is not None:
        # HardenedBSD (and OPNsense, built on it) adds its own options to FreeBSD's tables.
        ctx.report(codes.CONFIG_UNKNOWN_OPTION, span, f"{unknown.message}; it is an option of {fork}",
                   f"{fork}'s sys/conf/options declares it; FreeBSD's config(8) stops with 'unknown option'",
                   Severity.NOTE)
        return
    own_files = _own_files(ctx)
    if own_files and kind == "device":
        # `files "../allwinner/files.allwinner"`: the config declares devices mscc has not read
        ctx.report(codes.CONFIG_UNKNOWN_DEVICE, span, unknown.message,
                   f"this config reads its own {own_files}; a device declared there is not in mscc's tables",
                   Severity.NOTE)
        return
    # config(8) stops at an unknown name in `options`/`device`, but ignores one in
    # `nooptions`/`nodevice`: there an unknown name is only a likely typo, and when the
    # release is not stated, quite possibly a name of a newer release than mscc's tables.
    severity: Severity | None
    if removing:
        severity = Severity.WARNING if stated else Severity.NOTE
    elif unknown.older is not None:
        severity = Severity.NOTE  # the release is not stated, and an older one had the name
    else:
        severity = None if stated or found.release is None else Severity.WARNING
    code = codes.CONFIG_UNKNOWN_OPTION if kind == "options" else codes.CONFIG_UNKNOWN_DEVICE
    why = "config(8) stops with 'unknown option'" if kind == "options" else "config(8) stops with 'device is unknown'"
    hint = unknown.hint or why
    if found.release_inferred and not unknown.elsewhere:
        hint = (f"{hint}; the release {found.release} was inferred from {found.release_from}: a -STABLE or "
                "-CURRENT snapshot may have the name (state the release with --release)")
    ctx.report(code, span, unknown.message, hint, severity)


def _derivative(kind: str, name: str) -> str | None:
    """The FreeBSD derivative whose own option `name` is (knowledge.json freebsd.derivative_options)."""
    if kind != "options":
        return None
    from mscc.lint.knowledge import knowledge

    for fork, names in knowledge()["freebsd"]["derivative_options"].items():
        if name in names:
            return fork
    return None


def _own_files(ctx: FileContext) -> str | None:
    """The first `files "..."` directive, or an include of a subdirectory's config (dpaa/config.dpaa)."""
    for line in ctx.code_lines():
        words = line.code.split()
        if len(words) > 1 and (words[0] == "files" or (words[0] == "include" and "/config." in words[1])):
            return words[1]
    return None


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
    if code == keyword and re.fullmatch(r"%%\w+%%|@\w+@", keyword):
        # A build script's placeholder (OPNsense's kernel configs carry `%%DEBUG%%`, which its
        # build replaces with a line or nothing): a template, not a line config(8) sees.
        ctx.report(codes.CONFIG_BAD_LINE, span, f"'{keyword}' is a template placeholder; the line was not checked",
                   "a build script replaces it before config(8) reads the file", Severity.NOTE)
        return
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
        hint = did_you_mean(keyword, DIRECTIVES) or "config(5) keywords: " + ", ".join(sorted(DIRECTIVES))
    ctx.report(codes.CONFIG_BAD_LINE, span, f"config(8) does not know the keyword '{keyword}'", hint)
