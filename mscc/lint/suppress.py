"""Inline ignores: `# mscc: ignore[MS705]` or `# mscc: ignore[MS705, config-debug-option]`.

A trailing ignore covers its own line; an ignore alone on a line covers the next line that
is not blank (Kconfig files cannot carry a trailing comment: `CONFIG_X=y # ...` is a line
Kconfig drops). A bare `# mscc: ignore` covers every code. An ignore that covers nothing
is itself reported (MS009), so stale ignores do not pile up (mypy's unused-ignore).
"""

from __future__ import annotations

import re

from mscc import codes
from mscc.diagnostics import Diagnostic, diag, registry
from mscc.lint.context import comment_start
from mscc.record import Record
from mscc.source import SourceFile, Span, text_lines

_IGNORE = re.compile(r"#\s*mscc:\s*ignore\b(\[([^\]]*)\])?")


class Ignore(Record):
    span: Span                          # the comment itself
    covers: int                         # the line it applies to
    codes: tuple[tuple[str, Span], ...]  # (code, where it is written); empty: every code


def find(source: SourceFile) -> list[Ignore]:
    if "mscc:" not in source.text:
        return []
    lines = text_lines(source.text)
    out = []
    for index, line in enumerate(lines):
        if "mscc:" not in line:
            continue
        cut = comment_start(line)
        match = _IGNORE.search(line, max(cut, 0)) if cut >= 0 else None
        if match is None:
            continue
        number = index + 1
        covers = number
        if not line[:match.start()].strip():
            covers = next((i + 1 for i in range(index + 1, len(lines)) if lines[i].strip()), number)
        found = []
        if match.group(2) is not None:
            offset = match.start(2)
            for part in re.finditer(r"[^,\s]+", match.group(2)):
                col = offset + part.start() + 1
                found.append((part.group(0), Span(source.path, number, col, number, col + len(part.group(0)))))
        span = Span(source.path, number, match.start() + 1, number, match.end() + 1)
        out.append(Ignore(span, covers, tuple(found)))
    return out


def apply(diagnostics: list[Diagnostic], sources, checked: set[str]) -> list[Diagnostic]:
    """Drop what the ignores cover; add MS009 for every ignore (or code in one) that covers
    nothing, in the files in `checked` (files only read for context are not judged)."""
    by_name = {c.name: c.code for c in registry().values()}
    ignores: dict[str, list[Ignore]] = {}
    for path in checked:
        source = sources.get(path)
        if source is not None:
            found = find(source)
            if found:
                ignores[path] = found
    if not ignores:
        return diagnostics
    used: set[tuple[Span, str]] = set()
    kept = []
    for d in diagnostics:
        hit = None
        for ignore in ignores.get(d.span.file, ()):
            if ignore.covers != d.span.line:
                continue
            if not ignore.codes:
                hit = (ignore.span, "*")
                break
            for written, where in ignore.codes:
                if by_name.get(written, written) == d.code:
                    hit = (where, written)
                    break
            if hit:
                break
        if hit is None:
            kept.append(d)
        else:
            used.add(hit)
    for found in ignores.values():
        for ignore in found:
            if not ignore.codes:
                if (ignore.span, "*") not in used:
                    kept.append(diag(codes.UNUSED_IGNORE, ignore.span, "this ignore matches no diagnostic",
                                     "remove it"))
                continue
            for written, where in ignore.codes:
                if written not in registry() and written not in by_name:
                    from mscc.suggest import did_you_mean
                    kept.append(diag(codes.UNUSED_IGNORE, where, f"unknown code '{written}' in ignore",
                                     did_you_mean(written, registry()) or "see `mscc codes`"))
                elif (where, written) not in used:
                    kept.append(diag(codes.UNUSED_IGNORE, where,
                                     f"ignore[{written}] matches no diagnostic on line {ignore.covers}",
                                     "remove it, or move it to the line it is meant for"))
    return kept
