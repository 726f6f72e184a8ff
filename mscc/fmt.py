"""`mscc fmt`: the canonical layout of a .msk file, keeping every comment.

Layout: two-space indents, one entry per line, `key = value`, blocks as `name label {` …
`}`, empty blocks as `name {}`, lists on one line when they fit in 100 columns and hold no
comment (else one item per line with a trailing comma), one blank line between top-level
profiles, at most one blank line kept elsewhere, strings re-quoted with the escapes the
grammar reads, sizes written as the user wrote them.

The grammar throws comments away, so they are collected by scanning the text for `#`
outside strings, then re-attached by line to the printed units (a unit is one printed
line of code): a comment after code stays after the last unit that ends on its line; a
comment on a line of its own goes before the first unit that ends after it. Formatting is
idempotent, and the result parses to the same tree as the input (checked on every run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mscc.parse import ast
from mscc.record import Record
from mscc.source import Span, comment_start

WIDTH = 100
INDENT = "  "
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


@dataclass(frozen=True)
class Comment:
    line: int
    column: int       # 1-based column of '#'
    text: str
    own_line: bool    # nothing but blanks before it on its line


@dataclass
class _Unit:
    depth: int
    text: str
    start: int            # source line where the unit's code starts
    end: int              # source line where it ends
    close: bool = False   # a closing brace or bracket: comments before it belong inside
    group: bool = False   # a top-level profile: always a blank line before it
    leading: list = field(default_factory=list)
    trailing: list = field(default_factory=list)


def comments(text: str) -> list[Comment]:
    """Every comment, from a scan that knows strings (which cannot span lines)."""
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        i = comment_start(line)
        if i >= 0:
            out.append(Comment(number, i + 1, line[i:].rstrip(), not line[:i].strip()))
    return out


def format_text(text: str, path: str = "<input>"):
    """(formatted text, diagnostics); the text is None when the input does not parse."""
    from mscc.parse.parser import parse_text

    module, problems = parse_text(text, path)
    if module is None:
        return None, problems
    out = format_module(module, text)
    again, _ = parse_text(out, path)
    if again is None or shape(again) != shape(module):  # a formatter bug must never reach a file
        raise AssertionError(f"mscc fmt would change the meaning of {path}; please report this input")
    return out, []


def format_module(module: ast.Module, text: str) -> str:
    units = _module_units(module, text)
    found = comments(text)
    tail: list[Comment] = []
    for c in found:
        trailing = None
        if not c.own_line:
            trailing = next((u for u in reversed(units) if u.end == c.line), None)
        if trailing is not None:
            trailing.trailing.append(c)
            continue
        holder = next((u for u in units if u.end > c.line), None)
        (holder.leading if holder is not None else tail).append(c)
    return _render(units, tail)


def _render(units: list[_Unit], tail: list[Comment]) -> str:
    lines: list[str] = []
    last = 0            # source line of the last thing printed
    first_in_block = True

    def emit(depth: int, content: str, line: int, force_blank: bool = False, no_blank: bool = False) -> None:
        nonlocal last, first_in_block
        blank = lines and not first_in_block and not no_blank and (force_blank or line - last >= 2)
        if blank:
            lines.append("")
        lines.append(INDENT * depth + content)
        last = max(last, line)
        first_in_block = False

    after_group = False
    for unit in units:
        # A top-level profile is set apart by a blank line, before its leading comments.
        separate = unit.depth == 0 and (unit.group or after_group)
        depth_of_comments = unit.depth + 1 if unit.close else unit.depth
        for c in unit.leading:
            emit(depth_of_comments, c.text, c.line, force_blank=separate)
            separate = False
        text = unit.text
        if unit.trailing:
            text += "  " + "  ".join(c.text for c in unit.trailing)
        emit(unit.depth, text, unit.start, force_blank=separate, no_blank=unit.close)
        last = max(last, unit.end)
        first_in_block = unit.text.endswith(("{", "["))
        if unit.depth == 0:
            after_group = (unit.group and unit.text.endswith("{}")) or unit.close
    for c in tail:
        emit(0, c.text, c.line)
    return "\n".join(lines) + "\n" if lines else ""


# --- units ------------------------------------------------------------------------------

def _module_units(module: ast.Module, text: str) -> list[_Unit]:
    items = sorted(module.includes + module.profiles, key=lambda n: (n.span.line, n.span.column))
    units: list[_Unit] = []
    source = text.split("\n")
    for item in items:
        if isinstance(item, ast.Include):
            units.append(_Unit(0, f"include {quote(item.path)}", item.span.line, item.span.end_line))
        else:
            units.extend(_profile_units(item, source))
    return units


def _profile_units(profile: ast.Profile, source) -> list[_Unit]:
    head = ("template " if profile.is_template else "profile ") + profile.name
    if profile.extends:
        head += " extends " + ", ".join(name for name, _ in profile.extends)
    head_end = max([profile.name_span] + [span for _, span in profile.extends],
                   key=lambda s: (s.end_line, s.end_column))
    return _container(head, 0, profile.span.line, head_end, profile.entries, profile.span, source, group=True)


def _container(head: str, depth: int, start: int, head_end: Span, entries, span, source,
               group: bool = False) -> list[_Unit]:
    """A block or profile; `head_end` is where its head (name, label, extends) ends, so that
    only comments after it count as inside."""
    inside = Span(span.file, head_end.end_line, head_end.end_column, span.end_line, span.end_column)
    if not entries and not _has_comment_inside(source, inside):
        return [_Unit(depth, head + " {}", start, span.end_line, group=group)]
    units = [_Unit(depth, head + " {", start, head_end.end_line, group=group)]
    for entry in entries:
        units.extend(_entry_units(entry, depth + 1, source))
    units.append(_Unit(depth, "}", span.end_line, span.end_line, close=True))
    return units


def _entry_units(entry, depth: int, source) -> list[_Unit]:
    if isinstance(entry, ast.Block):
        head = entry.kind
        head_end = entry.kind_span
        if entry.label is not None:
            head += " " + _label(entry, source)
            head_end = entry.label_span or entry.kind_span
        return _container(head, depth, entry.kind_span.line, head_end, entry.entries, entry.span, source)
    prefix = f"{entry.key} = "
    return _value_units(prefix, "", entry.value, depth, entry.span.line, entry.span.end_line, source)


def _value_units(prefix: str, suffix: str, value, depth: int, start: int, end: int, source) -> list[_Unit]:
    if isinstance(value, ast.List) and value.items and _needs_lines(prefix + suffix, value, depth, source):
        units = [_Unit(depth, prefix + "[", start, value.span.line)]
        for item in value.items:
            units.extend(_value_units("", ",", item, depth + 1, item.span.line, item.span.end_line, source))
        units.append(_Unit(depth, "]" + suffix, value.span.end_line, value.span.end_line, close=True))
        return units
    return [_Unit(depth, prefix + render_value(value) + suffix, start, end)]


def _needs_lines(extra: str, value: ast.List, depth: int, source) -> bool:
    if _has_comment_inside(source, value.span):
        return True
    return len(INDENT * depth) + len(extra) + len(render_value(value)) > WIDTH


def _has_comment_inside(source, span) -> bool:
    for number in range(span.line, span.end_line + 1):
        line = source[number - 1] if number <= len(source) else ""
        for c in comments(line):
            if (span.line, span.column) <= (number, c.column) < (span.end_line, span.end_column):
                return True
    return False


def _label(block: ast.Block, source) -> str:
    label, span = block.label, block.label_span
    if label is None or span is None:
        raise ValueError(f"{block.kind} block has no label to render")
    written = source[span.line - 1][span.column - 1:span.column]
    if written != '"' and _NAME.fullmatch(label):
        return label
    return quote(label)


def render_value(value) -> str:
    match value:
        case ast.Size(text=text) | ast.Percent(text=text):
            return text
        case ast.Int(value=v):
            return str(v)
        case ast.Str(value=v):
            return quote(v)
        case ast.Word(value=v):
            return v
        case ast.List(items=items):
            return "[" + ", ".join(render_value(i) for i in items) + "]"
    raise TypeError(f"not a value: {value!r}")


def quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def shape(node):
    """A node without its spans (and a module without its path): what
    `parse(fmt(x)) == parse(x)` compares."""
    if isinstance(node, Span):
        return None
    if isinstance(node, tuple):
        return tuple(shape(n) for n in node)
    if isinstance(node, ast.Module):
        return ("Module", shape(node.includes), shape(node.profiles))
    if isinstance(node, Record):
        return (type(node).__name__,) + tuple(
            shape(getattr(node, name)) for name in node._fields if not name.endswith("span"))
    return node
