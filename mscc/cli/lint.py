"""`mscc lint` and `mscc fmt`.

Exit status: 0 clean; 1 diagnostics at or above --fail-on (lint), files that need
formatting (fmt --check/--diff), or input that does not parse; 2 usage errors (click).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import click

from mscc.cli.output import FORMATS, default_format, show_diagnostics, status
from mscc.lint.kinds import GENERATED, KINDS
from mscc.settings import SEVERITIES


def _size(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    """--memory's callback (click passes the context and the parameter too)."""
    if value is None:
        return None
    from mscc.settings import parse_memory

    size = parse_memory(value)
    if size is None:
        raise click.BadParameter(f"{value!r} is not a size such as 16GiB")
    return size


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format. Default: text, or github when GITHUB_ACTIONS=true.")
@click.option("--fail-on", "fail_on", type=click.Choice(tuple(SEVERITIES)), default=None,
              help="Exit 1 when a diagnostic is at least this severe. Default: error.")
@click.option("--strict", is_flag=True, help="Same as --fail-on warning.")
@click.option("--memory", callback=_size, default=None, metavar="SIZE",
              help="VM memory for ARC checks of config files, e.g. 16GiB.")
@click.option("--profile", default=None, metavar="FILE[:NAME]",
              help="The .msk profile the config files are for: memory, OS version, debug, ZFS.")
@click.option("--kind", type=click.Choice(sorted(KINDS)),
              default=None, help="Read every file as this kind instead of guessing from name and content.")
@click.option("--arch", default=None, metavar="ARCH",
              help="The architecture kernel configs are for (amd64, arm64, i386, ...) when they do not say.")
@click.option("--release", default=None, metavar="VERSION",
              help="The OS or kernel release config files are for (14.3, 6.12.43) when they do not say.")
@click.option("--generated", is_flag=True,
              help="Only check that committed mscc output (manifest.json bundles, workflows) is up to date.")
@click.option("--config", "config", type=click.Path(dir_okay=False, exists=True, path_type=str), default=None,
              help="Settings file. Default: the nearest .mscc.toml or pyproject.toml with [tool.mscc].")
def lint(paths: tuple[str, ...], fmt: str | None, fail_on: str | None, strict: bool, memory: int | None,
         profile: str | None, kind: str | None, arch: str | None, release: str | None, generated: bool,
         config: str | None) -> None:
    """Lint .msk profiles and configuration files: Linux .config and fragments, FreeBSD,
    NetBSD and OpenBSD kernel configs, loader.conf, sysctl.conf, modprobe.d/*.conf,
    ZFS setup scripts, and mscc's own output (manifest.json). Directories are searched."""
    from pathlib import Path

    from mscc import settings as settings_mod
    from mscc.diagnostics import Severity
    from mscc.lint import LintOptions, lint_paths

    settings, problems, settings_source = settings_mod.load(Path(config) if config else None)
    options = LintOptions(memory=memory, profile=profile, kind=kind, settings=settings,
                          only=GENERATED if generated else None, arch=arch, release=release)
    result = lint_paths(paths or (".",), options)
    if settings_source is not None:
        result.sources.add(settings_source)
    diagnostics = sorted(problems + result.diagnostics, key=lambda d: (d.span, d.code))
    fmt = fmt or default_format(settings.format)
    show_diagnostics(diagnostics, result.sources, fmt)
    threshold = (Severity.WARNING if strict else SEVERITIES[fail_on] if fail_on
                 else settings.fail_on or Severity.ERROR)
    if diagnostics and fmt == "text":
        counts = {s: sum(1 for d in diagnostics if d.severity is s) for s in Severity}
        parts = [f"{n} {s!s}{'s' if n != 1 else ''}" for s, n in sorted(counts.items(), reverse=True) if n]
        status(f"mscc lint: {', '.join(parts)} in {len(result.files)} file"
               f"{'s' if len(result.files) != 1 else ''} checked")
    if result.skipped and fmt == "text" and not generated:
        status(_skipped_summary(result.skipped))
    sys.exit(1 if any(d.severity >= threshold for d in diagnostics) else 0)


def _skipped_summary(skipped: list) -> str:
    """One line: how many files a directory walk left out, and why (with a few examples)."""
    by_reason: dict = {}
    for path, why in skipped:
        by_reason.setdefault(why, []).append(path)
    parts = []
    for why, paths in sorted(by_reason.items()):
        shown = ", ".join(paths[:3]) + (f", ... ({len(paths) - 3} more)" if len(paths) > 3 else "")
        parts.append(f"{len(paths)} ({why}: {shown})")
    return "mscc lint: skipped " + "; ".join(parts) + " (pass a file with --kind to lint it anyway)"


@click.command("fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=str))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file is not formatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print what would change.")
def fmt(paths: tuple[str, ...], check: bool, show_diff: bool) -> None:
    """Format .msk files in place: canonical layout, comments kept."""
    import difflib

    from mscc.fmt import format_text
    from mscc.lint.driver import read_text
    from mscc.source import SourceCache, SourceFile

    changed = failed = 0
    for path in _msk_files(paths):
        text, problems = read_text(path)
        out = None
        if text is not None:
            out, problems = format_text(text, path)
        if text is None or out is None:
            cache = SourceCache()
            if text is not None:
                cache.add(SourceFile(path, text))
            show_diagnostics(problems, cache, "text", err=True)
            failed += 1
            continue
        if out == text:
            continue
        changed += 1
        if show_diff:
            click.echo("".join(difflib.unified_diff(text.splitlines(True), out.splitlines(True),
                                                    f"{path} (current)", f"{path} (formatted)")), nl=False)
        elif check:
            status(f"would reformat {path}")
        else:
            try:
                _write(path, out)
            except OSError as err:
                status(f"mscc fmt: cannot write {path}: {err.strerror or err}")
                failed += 1
                continue
            status(f"reformatted {path}")
    sys.exit(1 if failed or (changed and (check or show_diff)) else 0)


def _msk_files(paths: tuple[str, ...]) -> Iterator[str]:
    for path in paths:
        if os.path.isdir(path):
            from mscc.paths import walk

            for root, dirs, files in walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                yield from (os.path.join(root, f) for f in sorted(files) if f.endswith(".msk"))
        else:
            yield path


def _write(path: str, text: str) -> None:
    """Replace the file atomically, keeping its permissions. A symlink stays a symlink: the
    file it points to is the one replaced."""
    import tempfile

    path = os.path.realpath(path)
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".mscc-fmt-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
