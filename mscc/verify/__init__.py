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
