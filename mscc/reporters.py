"""Rendering diagnostics: one reporter per output format, all reading Diagnostic.to_dict()."""

from __future__ import annotations

import json

from mscc.diagnostics import Diagnostic, Severity
from mscc.source import SourceCache, Span, visible

JSON_VERSION = 1
_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def _style(text: str, colour: bool, **kw) -> str:
    if not colour:
        return text
    import click
    return click.style(text, **kw)


def text(diagnostics: list[Diagnostic], sources: SourceCache, colour: bool = False) -> str:
    """rustc-style: the message, the location, the source line with a caret, the hint."""
    blocks = []
    for d in map(_visible, diagnostics):
        head = _style(f"{d.severity}[{d.code}]", colour, fg=_COLOURS[d.severity], bold=True)
        lines = [f"{head}: {_style(d.message, colour, bold=True)}"]
        gutter = len(str(d.span.line)) + 1
        lines.append(f"{' ' * (gutter - 1)}--> {d.span}")
        source = sources.get(d.span.file)
        code_line = visible(source.line(d.span.line)) if source else ""
        if code_line:
            width = (d.span.end_column - d.span.column) if d.span.end_line == d.span.line else \
                len(code_line) - d.span.column + 1
            caret = " " * (d.span.column - 1) + "^" * max(1, width)
            bar = _style("|", colour, fg="blue")
            lines.append(f"{' ' * gutter}{bar}")
            number = _style(str(d.span.line).rjust(gutter - 1), colour, fg="blue")
            lines.append(f"{number} {bar} {code_line.expandtabs(1)}")
            lines.append(f"{' ' * gutter}{bar} {_style(caret, colour, fg=_COLOURS[d.severity], bold=True)}")
        if d.hint:
            lines.append(f"{' ' * gutter}= hint: {d.hint}")
        if d.target or d.profile:
            where = ", ".join(x for x in (f"profile {d.profile}" if d.profile else "",
                                          f"target {d.target}" if d.target else "") if x)
            lines.append(f"{' ' * gutter}= in {where}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _visible(d: Diagnostic) -> Diagnostic:
    """The diagnostic with every text field made printable (see mscc.source.visible): file
    names, messages and hints can carry bytes of a hostile input."""
    from dataclasses import replace

    span = Span(visible(d.span.file), d.span.line, d.span.column, d.span.end_line, d.span.end_column)
    return replace(d, span=span, message=visible(d.message), hint=visible(d.hint) if d.hint else d.hint,
                   target=visible(d.target) if d.target else d.target,
                   profile=visible(d.profile) if d.profile else d.profile)


def concise(diagnostics: list[Diagnostic], sources: SourceCache, colour: bool = False) -> str:
    diagnostics = [_visible(d) for d in diagnostics]
    return "".join(f"{d.span}: {d.severity}[{d.code}]: {d.message}"
                   + (f" [{d.target}]" if d.target else "") + "\n" for d in diagnostics)


def json_format(diagnostics: list[Diagnostic], sources: SourceCache, colour: bool = False) -> str:
    return json.dumps({"version": JSON_VERSION, "diagnostics": [_visible(d).to_dict() for d in diagnostics]},
                      indent=2, ensure_ascii=False) + "\n"


def _github_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_escape(text).replace(":", "%3A").replace(",", "%2C")


def github(diagnostics: list[Diagnostic], sources: SourceCache, colour: bool = False) -> str:
    kinds = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
    out = []
    for d in diagnostics:
        props = (f"file={_github_property(visible(d.span.file))},line={d.span.line},col={d.span.column},"
                 f"endLine={d.span.end_line},endColumn={d.span.end_column},title={d.code}")
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        # Line breaks are the workflow command's own %0A; every other control character is escaped.
        message = "\n".join(visible(part) for part in message.replace("\r", "").split("\n"))
        out.append(f"::{kinds[d.severity]} {props}::{_github_escape(message)}\n")
    return "".join(out)


SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def sarif(diagnostics: list[Diagnostic], sources: SourceCache, colour: bool = False) -> str:
    """SARIF 2.1.0: one run, one `rules[]` entry for each code that occurs (with its summary
    and its rationale as help text), one located result per diagnostic."""
    from mscc import __version__
    from mscc.diagnostics import registry

    known = registry()
    used = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(used)}
    rules = []
    for code in used:
        entry = known.get(code)
        rule: dict[str, object] = {"id": code}
        if entry is not None:
            rule.update({
                "name": entry.name,
                "shortDescription": {"text": entry.summary},
                "defaultConfiguration": {"level": _SARIF_LEVELS[entry.severity]},
            })
        rationale = explanation(code)
        rule["help"] = {"text": (rationale + "\n\n" if rationale else "") + f"Run `mscc explain {code}` for a "
                        "failing and a passing example."}
        rules.append(rule)
    results = []
    for raw in diagnostics:
        d = _visible(raw)
        region = {"startLine": max(d.span.line, 1), "startColumn": max(d.span.column, 1)}
        if (d.span.end_line, d.span.end_column) > (d.span.line, d.span.column):
            region.update({"endLine": d.span.end_line, "endColumn": d.span.end_column})
        result = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _SARIF_LEVELS[d.severity],
            "message": {"text": d.message + (f" (hint: {d.hint})" if d.hint else "")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(raw.span.file)}, "region": region}}],
        }
        props = {k: v for k, v in (("target", d.target), ("profile", d.profile), ("hint", d.hint)) if v}
        if props:
            result["properties"] = props
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "mscc", "version": __version__, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _uri(path: str) -> str:
    """A relative URI reference for a relative path, a file: URI for an absolute one."""
    import os
    from pathlib import PurePath
    from urllib.parse import quote

    # The file name's own bytes, percent-encoded: a non-UTF-8 name stays a valid URI.
    raw = os.fsencode(PurePath(path).as_posix())
    if PurePath(path).is_absolute():
        return "file://" + quote(raw)
    return quote(raw)


def explanation(code: str) -> str | None:
    """The rationale of a code, from the one lookup `mscc explain` uses."""
    from mscc.explain import example

    found = example(code)
    return found.rationale if found else None


REPORTERS = {"text": text, "concise": concise, "json": json_format, "sarif": sarif, "github": github}
