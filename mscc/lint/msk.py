""".msk profiles: every check of the compiler, for every target each profile names (its
`vm.os`, and the label of each of its `raw` blocks), without emitting anything."""

from __future__ import annotations

from mscc.lint.context import FileContext


def check(ctx: FileContext) -> None:
    from mscc.compiler import compile_file

    result = compile_file(ctx.path, None, text=ctx.text, emit=False)
    found = list(result.diagnostics)
    if "raw" in ctx.text and result.ok:
        found += _raw_targets(ctx)
    # A diagnostic located in an included file is quoted from it, and that file's inline
    # ignores apply to it.
    for path in {d.span.file for d in found} - {ctx.path}:
        source = result.sources.get(path)
        if source is not None:
            ctx.sources.add(source)
    ctx.diagnostics.extend(found)


def _raw_targets(ctx: FileContext) -> list:
    """The checks of targets a profile names only through a `raw TARGET { }` block."""
    from mscc.compiler import analyse, compile_file
    from mscc.knowledge.targets import available

    _, profiles, _ = analyse(ctx.path, ctx.text)
    wanted: dict[str, set[str]] = {}
    for profile in profiles:
        for target in set(profile.raw) - {profile.get("vm.os")}:
            wanted.setdefault(target, set()).add(profile.name)
    targets = sorted(set(wanted) & set(available()))
    if not targets:
        return []
    extra = compile_file(ctx.path, targets, text=ctx.text, emit=False)
    return [d for d in extra.diagnostics if d.target in wanted and d.profile in wanted[d.target]]
