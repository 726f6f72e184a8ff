"""`mscc lint` on a workflow `mscc ci github` wrote (kind mscc-workflow): regenerate it from the
command its second line records and report MS902 at the first line that differs — so the
`mscc-generated` pre-commit hook (`mscc lint --generated`) covers workflows as it covers
compiled output."""

from __future__ import annotations

import shlex

from mscc import codes
from mscc.lint.context import FileContext

PREFIX = ("mscc", "ci", "github")
VALUED = {"-t": "target", "--target": "target", "-o": "output", "--output": "output", "--install": "install"}


def parse_command(line: str) -> dict | None:
    """The arguments of the `mscc ci github …` command on LINE (a header comment), or None."""
    try:
        words = shlex.split(line.lstrip("#").strip())
    except ValueError:
        return None
    if tuple(words[:3]) != PREFIX:
        return None
    args: dict = {"files": [], "target": None, "output": None, "install": None, "pin_sha": False}
    rest = iter(words[3:])
    for word in rest:
        if word in VALUED:
            value = next(rest, None)
            if value is None:
                return None
            args[VALUED[word]] = value
        elif word == "--pin-sha":
            args["pin_sha"] = True
        elif word.startswith("-"):
            return None
        else:
            args["files"].append(word)
    return args if args["files"] and args["output"] else None


def check(ctx: FileContext) -> None:
    from mscc.ci.workflow import generate

    lines = ctx.text.splitlines()
    args = parse_command(lines[1]) if len(lines) > 1 else None
    if args is None:
        ctx.report(codes.GENERATED_STALE, ctx.span(1, 1), "its header does not say how mscc ci github wrote it",
                   "regenerate it with mscc ci github FILE.msk… -o PATH")
        return
    command = lines[1].lstrip("#").strip()
    made = generate(args["files"], args["target"], args["output"], args["pin_sha"], args["install"])
    if made.text is None:
        why = made.problem or "they have errors: run mscc lint on them"
        ctx.report(codes.GENERATED_STALE, ctx.span(2, 1), f"its sources no longer give a workflow ({why})",
                   f"fix the profiles, then regenerate: {command}")
        return
    if made.text == ctx.text:
        return
    new = made.text.splitlines()
    first = next((i for i, (a, b) in enumerate(zip(lines, new, strict=False), 1) if a != b),
                 min(len(lines), len(new)) + 1)
    first = max(1, min(first, len(lines)))
    ctx.report(codes.GENERATED_STALE, ctx.span(first, 1),
               f"{ctx.path} differs from what mscc ci github writes now (from line {first})",
               f"regenerate: {command} (or see the diff with --check)")
