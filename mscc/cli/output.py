"""Everything the commands print goes through here, on one rule:

- diagnostics go to **stdout**, in every format (text, concise, json, sarif, github), under
  every command that reports them (`compile`, `compile --check`, `lint`, `audit`), so
  `mscc … --format sarif > report.sarif` captures exactly the report;
- progress and summary lines (`wrote …`, `summary: …`, `mscc lint: 2 errors …`) go to
  **stderr**;
- `mscc fmt` is the one exception: its stdout is the patch of `--diff`, so it reports files
  it cannot parse on stderr.

docs/architecture.md and the README's "Commands" section say the same.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

import click

from mscc.diagnostics import Diagnostic
from mscc.reporters import REPORTERS
from mscc.source import SourceCache

# The --format choices of every command: the reporters' registry, nothing else.
FORMATS: tuple[str, ...] = tuple(REPORTERS)


def default_format(configured: str | None = None) -> str:
    """The format when --format is not given: the settings file's, else github under GitHub
    Actions, else text."""
    if configured:
        return configured
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def show_diagnostics(diagnostics: Iterable[Diagnostic], sources: SourceCache, fmt: str | None,
                     *, err: bool = False) -> None:
    """Render the diagnostics, in the order given, on stdout (stderr only for `mscc fmt`)."""
    fmt = default_format(fmt)
    stream = sys.stderr if err else sys.stdout
    colour = fmt == "text" and stream.isatty() and "NO_COLOR" not in os.environ
    out = REPORTERS[fmt](list(diagnostics), sources, colour=colour)
    if out:
        click.echo(out, nl=False, err=err)


def status(line: str) -> None:
    """A progress or summary line: stderr, never mixed into the report on stdout."""
    click.echo(line, err=True)
