"""Read a .msk file and everything it includes, confined to the including file's directory tree."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mscc import codes
from mscc.diagnostics import Diagnostic, diag
from mscc.parse import ast
from mscc.parse.parser import parse_text
from mscc.reading import read_source
from mscc.source import SourceCache, SourceFile, Span


@dataclass(eq=False)
class Program:
    modules: list = field(default_factory=list)  # ast.Module, includes before includers
    sources: SourceCache = field(default_factory=SourceCache)
    diagnostics: list = field(default_factory=list)


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


# Includes nest at most this deep: a chain of hundreds of files is a generated attack, and
# the loader recurses once per level.
MAX_INCLUDE_DEPTH = 32


def load(path: str | os.PathLike, text: str | None = None) -> Program:
    program = Program()
    top = Path(path)
    # The display name is normalised ("./in.msk" and "in.msk" are one file), because it is
    # written into the generated files: their bytes must not depend on how the path was typed.
    _load(program, top.resolve(), os.path.normpath(str(path)), text, stack=[], seen=set())
    return program


# Parses by (display name, text): linting a thousand profiles that all include one common
# file parses it once per process, not a thousand times. Keyed on the text itself, not on
# mtimes, so an edit between two compiles can never return a stale tree.
_PARSED: dict[tuple[str, str], tuple] = {}


def _parse_cached(text: str, display: str):
    key = (display, text)
    if key not in _PARSED:
        _PARSED[key] = parse_text(text, display)
    return _PARSED[key]


def _load(program: Program, real: Path, display: str, text: str | None, stack: list, seen: set,
          via: Span | None = None) -> None:
    if text is None:
        text, problems = read_source(real, display)
        if problems or text is None:
            program.diagnostics.extend(_relocate(problems, via))
            return
    module, parse_problems = _parse_cached(text, display)
    program.sources.add(SourceFile(display, text))
    program.diagnostics.extend(parse_problems)
    if module is None:
        return
    seen.add(real)
    stack.append(real)
    for inc in module.includes:
        _include(program, real, display, inc, stack, seen)
    stack.pop()
    program.modules.append(module)


def _include(program, real: Path, display: str, inc: ast.Include, stack, seen) -> None:
    base = real.parent
    if len(stack) >= MAX_INCLUDE_DEPTH:
        program.diagnostics.append(diag(codes.TOO_DEEP, inc.span,
                                        f"includes nest deeper than {MAX_INCLUDE_DEPTH} files",
                                        "include the shared files from one top-level file"))
        return
    try:
        target = (base / inc.path).resolve()
        exists = target.exists()
    except (OSError, ValueError) as err:  # a name too long for the file system, a NUL
        program.diagnostics.append(diag(codes.INCLUDE_MISSING, inc.span,
                                        f'included file "{inc.path[:80]}" cannot be looked up: '
                                        f"{getattr(err, 'strerror', None) or err}"))
        return
    if not target.is_relative_to(base):
        program.diagnostics.append(diag(
            codes.INCLUDE_OUTSIDE, inc.span, f'include "{inc.path}" leaves the directory of {display}',
            "includes are confined to the including file's directory tree; move the file below it"))
        return
    if target in stack:
        chain = " → ".join(p.name for p in stack[stack.index(target):] + [target])
        program.diagnostics.append(diag(codes.INCLUDE_CYCLE, inc.span, f"include cycle: {chain}",
                                        "remove one of the includes"))
        return
    if target in seen:
        return  # included twice along different paths: read once
    if not exists:
        program.diagnostics.append(diag(codes.INCLUDE_MISSING, inc.span, f'included file "{inc.path}" does not exist',
                                        f"looked for {_display(target)}"))
        return
    child_display = os.path.normpath(os.path.join(os.path.dirname(display), inc.path))
    _load(program, target, child_display, None, stack, seen, via=inc.span)


def _relocate(problems: list[Diagnostic], via: Span | None) -> list[Diagnostic]:
    """A file that cannot be read is reported where it was included, if it was."""
    if via is None:
        return problems
    out = []
    for d in problems:
        if d.span.line == 1 and d.span.column == 1 and d.code in (codes.UNREADABLE.code, codes.TOO_LARGE.code):
            out.append(Diagnostic(via, d.code, d.severity, f"{d.span.file}: {d.message}", d.hint))
        else:
            out.append(d)
    return out
