"""verify.sh and bench.sh: the scripts that read a built guest back (is it what the profile
asked for?) and measure it (did it get faster?). Both are generated for every target."""

from __future__ import annotations

from mscc.check.context import Context
from mscc.emit.artifacts import Artifact


def verify_script(ctx: Context) -> Artifact:
    from mscc.emit.render import render
    from mscc.verify.checks import checks

    text = render("common/templates/verify.sh.j2", checks=checks(ctx))
    return Artifact("verify.sh", "verify-script", text, executable=True)


# the operating system bench.sh measures, by target (its readers differ: /proc, sysctl)
_FAMILY = {"alpine": "linux", "freebsd": "freebsd", "netbsd": "netbsd", "openbsd": "openbsd"}


def bench_script(ctx: Context) -> Artifact:
    from mscc.emit.render import render

    text = render("common/templates/bench.sh.j2", family=_FAMILY[ctx.target.name])
    return Artifact("bench.sh", "bench-script", text, executable=True)
