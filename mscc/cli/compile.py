"""`mscc compile`: a profile → artifacts, one directory per profile and target; with
--check, whether the files already there are what it would write."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from mscc import codes
from mscc.knowledge import targets
from mscc.cli.output import FORMATS, show_diagnostics, status
from mscc.compiler import Result, compile_file
from mscc.diagnostics import Diagnostic, Severity, diag
from mscc.emit.artifacts import write_bundles
from mscc.emit.registry import has_emitter
from mscc.language import TARGETS
from mscc.source import Span


@click.command("compile")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("-t", "--target", "target", type=click.Choice((*TARGETS, "all")), default=None,
              help="Target OS, or all. Default: each profile's vm.os.")
@click.option("-o", "--output", "output", type=click.Path(file_okay=False, path_type=str), default="out",
              show_default=True, help="Output directory; one subdirectory per profile and target.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Diagnostic format.")
@click.option("--check", "check", is_flag=True,
              help="Write nothing: exit 1 and show a diff if the files under -o differ from what FILE produces now.")
@click.option("--audit-with", "audit_with", type=click.Path(exists=True, file_okay=False, path_type=str),
              default=None, help="A Linux 6.12 tree: merge the alpine fragments just written in it and "
              "fail on any value olddefconfig drops (mscc audit).")
def compile_command(file: str, target: str | None, output: str, fmt: str | None, check: bool = False,
                    audit_with: str | None = None) -> None:
    """Compile FILE for a target and write the artifacts."""
    wanted, skipped = _targets_for(target)
    result = compile_file(file, wanted)
    if check:
        sys.exit(check_generated(result, Path(output), fmt))
    if result.bundles:
        try:
            write_bundles(Path(output), result.bundles)
        except OSError as err:
            result.diagnostics.append(diag(codes.WRITE_FAILED, Span.point(output),
                                           f"cannot write {output}: {err.strerror or err}",
                                           "choose another directory with -o"))
            result.failed += result.written
            result.written = []
    audits: list[str] = []
    if audit_with and result.written:
        from mscc.cli.audit import audit_compiled
        audits = audit_compiled(result, output, audit_with)
    show_diagnostics(sorted(result.diagnostics, key=by_location), result.sources, fmt)
    for line in audits + compile_summary(result, output, skipped):
        status(line)
    sys.exit(0 if result.ok else 1)


def _targets_for(target: str | None) -> tuple[list[str] | None, list[str]]:
    """The targets to compile, and for `all` the ones this installation cannot build (no
    target data or no emitter yet), which are reported as skipped rather than crashing."""
    if target != "all":
        return (None if target is None else [target]), []
    have = set(targets.available())
    built = [t for t in TARGETS if t in have and has_emitter(t)]
    return built, [t for t in TARGETS if t not in built]


def compile_summary(result: Result, output: str, skipped: list[str]) -> list[str]:
    """One line per profile/target pair, written or not (with the error codes that stopped it),
    then a count: what `--target all` users read to see which pairs they got."""
    lines = [f"wrote {os.path.join(output, profile, tgt)}" for profile, tgt in result.written]
    for profile, tgt in result.failed:
        stopped = sorted({d.code for d in result.diagnostics if d.severity is Severity.ERROR
                          and d.profile in (profile, None) and d.target in (tgt, None)})
        lines.append(f"not written: {profile}/{tgt} ({', '.join(stopped) or 'errors above'})")
    lines += [f"skipped: {t} (this installation has no {t} target yet)" for t in skipped]
    if len(result.written) + len(result.failed) > 1 or skipped:
        def pairs(done: list[tuple[str, str]]) -> str:
            return ", ".join(f"{p}/{t}" for p, t in done) or "none"

        lines.append(f"summary: {len(result.written)} written ({pairs(result.written)}); "
                     f"{len(result.failed)} not written ({pairs(result.failed)})")
    return lines


def by_location(d: Diagnostic) -> tuple[Span, str, str]:
    """compile's order: by place, then code, then target (one profile, several targets)."""
    return (d.span, d.code, d.target or "")


def check_generated(result: Result, out_dir: Path, fmt: str | None) -> int:
    """`mscc compile --check`: the exit status, after printing what is stale."""
    from mscc.lint.generated import compare

    show_diagnostics(sorted(result.diagnostics, key=by_location), result.sources, fmt)
    for profile, target in result.failed:
        status(f"not checked: {profile}/{target} (the source has errors for it)")
    if not result.ok and not result.failed:
        status(f"not checked: {out_dir} (the source has errors)")
    differences = compare(out_dir, result.bundles)
    for d in differences:
        if d.state == "changed":
            click.echo(d.diff or f"{d.path}: differs (binary)\n", nl=False)
        elif d.state == "missing":
            click.echo(f"missing: {d.path}")
        else:
            click.echo(f"not generated any more: {d.path}")
    if differences:
        status(f"{len(differences)} generated file{'s are' if len(differences) != 1 else ' is'} stale "
               f"under {out_dir}; run the same mscc compile without --check to regenerate")
        return 1
    return 0 if result.ok else 1
