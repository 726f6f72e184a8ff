"""Linux `/etc/modprobe.d/*.conf`: `options zfs zfs_arc_max=...` and friends (modprobe.d(5)).
The zfs and spl parameters are checked against the OpenZFS parameter database."""

from __future__ import annotations

import re

from mscc import codes
from mscc.diagnostics import Severity
from mscc.lint.context import FileContext, Line
from mscc.lint.repeats import Repeats
from mscc.lint.zfs_params import ZfsChecker

COMMANDS = {"options", "install", "remove", "blacklist", "alias", "softdep", "weakdep"}
_ZFS_MODULES = {"zfs", "spl"}


def check(ctx: FileContext) -> None:
    zfs = ZfsChecker(ctx, suffixes=False)
    repeats = Repeats(ctx)
    for line in _logical(ctx):
        # the kernel's parameter parser (kernel/params.c next_arg) keeps a "quoted string" as one
        # word, blanks and all, and drops the quotes around a whole `"name=value"`
        words = [(m.group(0), m.start()) for m in re.finditer(r'(?:[^\s"]|"[^"]*"?)+', line.code)]
        if not words:
            continue  # a lone `\` continuing into nothing
        command = words[0][0]
        if command not in COMMANDS:
            ctx.report(codes.CONFIG_BAD_LINE, ctx.span(line.number, line.start + 1, line.start + 1 + len(command)),
                       f"modprobe does not know the command '{command}'", "commands: " + ", ".join(sorted(COMMANDS)))
            continue
        if command != "options":
            continue
        if len(words) < 2:
            ctx.report(codes.CONFIG_BAD_LINE, ctx.span(line.number, line.start + 1), "options needs a module name")
            continue
        module = words[1][0].replace("-", "_")
        for index, (word, column) in enumerate(words[2:], start=2):
            if word.startswith("#"):
                # modprobe.d(5) comments are whole lines: the rest goes to the module as parameters
                rest = " ".join(w for w, _ in words[index:])
                ctx.report(codes.CONFIG_BAD_LINE, ctx.span(line.number, column + 1, len(line.code) + 1),
                           f"modprobe reads '#' only at the start of a line: it passes {rest!r} to module "
                           f"{module} as parameters (the kernel logs them as unknown and ignores them)",
                           "put the comment on a line of its own", Severity.WARNING)
                break
            if word.startswith('"'):
                word, column = word[1:].removesuffix('"'), column + 1
            name, eq, value = word.partition("=")
            value = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
            name_span = ctx.span(line.number, column + 1, column + 1 + len(name))
            value_span = ctx.span(line.number, column + 2 + len(name), column + 1 + len(word))
            repeats.add(f"{module}.{name}", value, name_span, f"{module} {name}")
            if module not in _ZFS_MODULES or zfs.unchecked(name_span):
                continue
            tunable, _ = zfs.lookup(name, "linux", name_span)
            if tunable is None:
                zfs.unknown(name, name_span, "linux", module)
                continue
            if tunable.linux_module and tunable.linux_module != module:
                ctx.report(codes.CONFIG_UNKNOWN_TUNABLE, name_span,
                           f"{name} is a parameter of module {tunable.linux_module}, not {module}",
                           f"write it on an `options {tunable.linux_module}` line")
                continue
            if eq:
                zfs.value(tunable, name, value, value_span)
    zfs.finish()


def _logical(ctx: FileContext):
    """Lines with `\\` continuations joined; the line number is where the command starts.
    Columns on continued lines are approximate (they count from the first line)."""
    pending: Line | None = None
    for line in _lines(ctx):
        code = line.code
        if pending is not None:
            code = pending.code + " " + code.strip()
            line = Line(pending.number, pending.text, code, pending.start)
        if code.endswith("\\"):
            pending = Line(line.number, line.text, code[:-1].rstrip(), line.start)
            continue
        pending = None
        yield line
    if pending is not None:
        yield pending


def _lines(ctx: FileContext) -> list[Line]:
    """Non-blank lines; only a line that starts with `#` is a comment (modprobe.d(5))."""
    out = []
    for number, raw in enumerate(ctx.raw_lines, start=1):
        code = raw.rstrip()
        if code.strip() and not code.lstrip().startswith("#"):
            out.append(Line(number, raw, code, len(code) - len(code.lstrip())))
    return out
