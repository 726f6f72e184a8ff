"""`mscc ci github` and `mscc ci collect` (the logic is in mscc/ci/), and the `--plan` and
`--merge-reports` options that mscc/cli/run.py lends `mscc run`.

Exit status of `ci github`: 0 written (or, with --check, up to date), 1 stale with --check or
the .msk files have errors, 2 usage.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mscc.cli.output import show_diagnostics, status


@click.group("ci")
def ci_group() -> None:
    """CI workflows that run every profile × target build on hosted runners."""


def _repo_relative(file: str) -> str:
    """FILE as the workflow names it: relative to the repository root (the current directory)."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            raise click.UsageError(f"{file} is outside the current directory (run from the repository root)") from None
    text = path.as_posix()
    if text.startswith("../") or text == ".." or any(ord(ch) < 32 for ch in text):
        raise click.UsageError(f"{file!r}: give a path inside the repository, from its root")
    return text


@ci_group.command("github")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("-t", "--target", "target", default=None,
              help="As for mscc compile: a target OS or all. Default: each profile's vm.os.")
@click.option("-o", "--output", "output", default=".github/workflows/mscc.yml", show_default=True,
              type=click.Path(dir_okay=False, path_type=str), help="The workflow file.")
@click.option("--check", is_flag=True, help="Write nothing: exit 1 with a diff if OUTPUT is not what it would be.")
@click.option("--pin-sha", is_flag=True, help="Pin every action to a full commit SHA instead of its release tag.")
@click.option("--install", "install", default=None, metavar="PIP-SPEC",
              help="What the jobs pip-install to get mscc (default: this version, mscc==VERSION).")
def github(files: tuple[str, ...], target: str | None, output: str, check: bool, pin_sha: bool,
           install: str | None) -> None:
    """Write the GitHub Actions workflow that compiles FILES, builds every profile × target on
    a runner that fits it, reports, and releases on tags."""
    from mscc.ci.workflow import generate
    from mscc.language import TARGETS

    if target is not None and target not in (*TARGETS, "all"):
        raise click.UsageError(f"--target {target!r}: choose one of {', '.join((*TARGETS, 'all'))}")
    if install is not None and (not install.strip() or any(not ch.isprintable() for ch in install)):
        raise click.UsageError("--install: give a pip requirement or path on one line")
    if any(not ch.isprintable() for ch in output):
        raise click.UsageError("-o: give a file name without control characters")
    relative = tuple(_repo_relative(f) for f in files)
    made = generate(relative, target, output, pin_sha, install)
    if made.text is None and made.problem is None:
        for result in made.results:
            show_diagnostics(result.diagnostics, result.sources, None)
        status("mscc ci: no workflow written: the files have errors (the compile job would fail on them)")
        sys.exit(1)
    if made.text is None:
        raise click.UsageError(made.problem or "no workflow")
    text = made.text
    path = Path(output)
    if check:
        sys.exit(_check(path, text))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise click.UsageError(f"cannot write {output}: {err.strerror or err}") from None
    status(f"wrote {output} ({len(made.targets)} target(s): {', '.join(made.targets)})")


def _check(path: Path, text: str) -> int:
    try:
        current = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        status(f"missing: {path}; run the same mscc ci github without --check to write it")
        return 1
    if current == text:
        return 0
    diff = difflib.unified_diff(current.splitlines(keepends=True), text.splitlines(keepends=True),
                                str(path), f"{path} (regenerated)")
    click.echo("".join(diff), nl=False)
    status(f"{path} is stale; run the same mscc ci github without --check to regenerate")
    return 1


@ci_group.command("collect")
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "dist", default=Path("dist"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Where the assets and SHA256SUMS go.")
def collect_command(reports: tuple[Path, ...], dist: Path) -> None:
    """Gather the artifacts of every passed job in REPORTS (report.json files or directories)
    into OUTPUT, checked against their sha256, with a SHA256SUMS file."""
    from mscc.ci.collect import collect

    try:
        done = collect(list(reports), dist)
    except OSError as err:
        raise click.UsageError(f"cannot write {dist}: {err.strerror or err}") from None
    for problem in done.problems:
        status(f"mscc ci collect: {problem}")
    status(f"{len(done.assets)} asset(s) and SHA256SUMS in {dist}")
    sys.exit(1 if done.problems or not done.assets else 0)


# --------------------------------------------------------------------------- for `mscc run`

def run_ci_options(func: Callable[..., None]) -> Callable[..., None]:
    """--plan and --merge-reports, added to `mscc run` by mscc/cli/run.py."""
    func = click.option("--merge-reports", "merge_reports", multiple=True, metavar="PATH",
                        type=click.Path(exists=True, path_type=Path),
                        help="Merge these report.json files (or directories holding them) into one "
                             "Markdown table; with OUT, jobs without a report count as missing.")(func)
    func = click.option("--plan", "plan", type=click.Choice(("github",)), default=None,
                        help="Print the job matrix for this CI (JSON) and run nothing.")(func)
    return func


def run_ci_dispatch(out: Path | None, kwargs: dict[str, Any]) -> int | None:
    """The exit status when --plan or --merge-reports was given (they replace the run), else None."""
    plan, merge_paths = kwargs.pop("plan", None), kwargs.pop("merge_reports", ())
    if plan and merge_paths:
        raise click.UsageError("--plan and --merge-reports do not go together")
    if merge_paths:
        from mscc.ci.merge import markdown, merge

        merged = merge(list(merge_paths), out, tuple(kwargs.get("only", ())))
        click.echo(markdown(merged), nl=False)
        return merged.exit_code
    if plan:
        from mscc.ci.plan import github_matrix, to_json
        from mscc.run import jobs as joblist

        if out is None or not out.is_dir():
            raise click.UsageError("--plan needs OUT, the directory mscc compile wrote")
        found = joblist.discover(out)
        for problem in found.problems:
            status(f"mscc run: {problem}")
        chosen, unmatched = joblist.select(found.jobs, tuple(kwargs.get("only", ())))
        if unmatched:
            raise click.UsageError(f"--only {', '.join(unmatched)} matches no job")
        matrix, problems = github_matrix(chosen)
        for problem in problems:
            status(f"mscc run --plan: {problem}")
        if not matrix["include"]:
            raise click.UsageError(f"no job under {out} to plan")
        click.echo(to_json(matrix))
        return 1 if problems else 0
    if out is None:
        raise click.UsageError("Missing argument 'OUT'.")
    return None
