"""`mscc verify OUT` and `mscc bench OUT | --compare A.json B.json`: run the verify.sh or bench.sh
`mscc compile` wrote for each PROFILE/TARGET through the runner (the same backends, options
and report.json as `mscc run`: mscc/cli/run.py), and compare two bench results.

Exit status: 0 every job's script passed (verify: every setting holds), 1 one did not,
2 usage, 3 infrastructure, 130 interrupted; `bench --compare`: 0, or 1 an unreadable result.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mscc.cli.run import execute, runner_options
from mscc.run.tasks import TASKS


@click.command("verify")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@runner_options(TASKS["verify"])
def verify(out: Path, **kwargs: object) -> None:
    """Run each PROFILE/TARGET's verify.sh under OUT in its guest: does the VM run with every
    setting the profile makes? Each record goes into report.json; each setting that does not
    hold is named, wanted against actual."""
    sys.exit(execute(out, kwargs, TASKS["verify"]))


@click.command("bench")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--compare", nargs=2, type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              metavar="A.json B.json",
              help="Print two bench results (bench.sh output, or a figures/*.json of a bench run) side by "
                   "side with B/A ratios, instead of running anything.")
@runner_options(TASKS["bench"])
@click.pass_context
def bench(ctx: click.Context, /, out: Path | None, compare: tuple[Path, Path] | None, **kwargs: object) -> None:
    """Run each PROFILE/TARGET's bench.sh under OUT in its guest and keep its figures
    (RESULTS/figures/PROFILE-TARGET.json), or, with --compare, compare two such results."""
    if compare is None:
        if out is None:
            raise click.UsageError("give OUT (the directory mscc compile wrote) to run bench.sh, "
                                   "or --compare A.json B.json to compare two results")
        sys.exit(execute(out, kwargs, TASKS["bench"]))
    if out is not None:
        raise click.UsageError("OUT and --compare exclude each other: OUT runs bench.sh, --compare reads "
                               "two results it printed")
    flags = {param.name: param.opts[0] for param in ctx.command.params}
    given = [flags[name] for name in kwargs
             if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT]
    if given:
        raise click.UsageError(f"{', '.join(given)}: options of a bench run, not of --compare")
    _compare(compare)


def _compare(paths: tuple[Path, Path]) -> None:
    from mscc.verify.compare import load, table

    try:
        a, b = (load(p) for p in paths)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError) as err:
        raise click.ClickException(f"cannot read a bench result: {err}") from None
    try:
        lines = table(a, b, (paths[0].name, paths[1].name))
    except (TypeError, KeyError) as err:  # a hand-edited file: a figure whose numbers are not numbers
        raise click.ClickException(f"a bench result has a figure that is not one: {err}") from None
    for line in lines:
        click.echo(line)
