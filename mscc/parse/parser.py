"""Text → Module. Lark LALR with the AST built during the parse (no recursive tree walk,
so deeply nested input cannot exhaust the Python stack)."""

from __future__ import annotations

import hashlib
import os
from functools import cache

from lark import Lark, Token, Transformer
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from mscc import codes
from mscc.diagnostics import Diagnostic, diag
from mscc.parse import ast
from mscc.paths import grammar_dir
from mscc.reading import MAX_BYTES
from mscc.source import CONTROL, Span, control_character, text_lines
from mscc.units import parse_size

MAX_DEPTH = 32
# Digits a number may have: far above any size or count a VM has, far below Python's
# 4,300-digit limit on int() (and a float of more digits is inf).
MAX_DIGITS = 24

# How the grammar's terminal names read in a message.
_TERMINAL_WORDS = {
    "NAME": "a name", "STRING": "a string", "SIZE": "a size such as 16GiB", "INT": "a number",
    "PERCENT": "a percentage such as 50%", "REF": "a reference such as vm.memory",
    "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'", "EQUAL": "'='", "COMMA": "','",
    "PROFILE_KW": "'profile' or 'template'", "INCLUDE": "'include'", "EXTENDS": "'extends'", "OF": "'of'",
    "$END": "end of file",
}


class _Limit(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


def _cache_file(grammar: str) -> str | None:
    """Where Lark may keep the compiled grammar, or None for no cache.

    Lark unpickles the cache file before it checks anything, so whoever can write that file
    runs code as the user running mscc. The cache therefore lives only in a private directory,
    $XDG_CACHE_HOME/mscc/grammar or ~/.cache/mscc/grammar: created 0700, owned by this user,
    below directories that only this user or root can change (or sticky ones); an existing
    cache file must be a regular file of this user's that nobody else can write. Anything
    else: no cache (a few milliseconds slower), never a shared temporary directory."""
    import stat

    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return None
    uid = getuid()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    # Its own subdirectory: other parts of mscc keep kernel trees in ~/.cache/mscc with the
    # usual 0755, which is fine for them and for this check of the parents.
    directory = os.path.join(base, "mscc", "grammar")
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        own = os.lstat(directory)
        parents = [os.stat(p) for p in _ancestors(directory)]
    except OSError:
        return None
    if not stat.S_ISDIR(own.st_mode) or own.st_uid != uid or own.st_mode & 0o077:
        return None
    for parent in parents:
        others_can_write = parent.st_mode & 0o022 and not parent.st_mode & stat.S_ISVTX
        if parent.st_uid not in (uid, 0) or others_can_write:
            return None  # someone else could swap the directory after this check
    digest = hashlib.sha256(grammar.encode()).hexdigest()[:16]
    path = os.path.join(directory, f"grammar-{digest}.lark-cache")
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError:
        return None
    if not stat.S_ISREG(existing.st_mode) or existing.st_uid != uid or existing.st_mode & 0o022:
        return None
    return path


def _ancestors(path: str) -> list[str]:
    out = []
    parent = os.path.dirname(path)
    while parent and parent != path:
        out.append(parent)
        path, parent = parent, os.path.dirname(parent)
    return out


@cache
def _grammar_text() -> str:
    return (grammar_dir() / "mscc.lark").read_text(encoding="utf-8")


_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t"}


def _unquote(literal: str) -> str:
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


class _Builder(Transformer):
    """Builds AST nodes bottom-up as the LALR parser reduces."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def _span(self, tok) -> Span:
        return Span(self.path, tok.line, tok.column, tok.end_line, tok.end_column)

    def _join(self, first, last) -> Span:
        a = first if isinstance(first, Span) else self._span(first)
        b = last if isinstance(last, Span) else self._span(last)
        return Span(self.path, a.line, a.column, b.end_line, b.end_column)

    def _depth_check(self, children, span):
        depth = 1 + max((getattr(c, "_depth", 0) for c in children), default=0)
        if depth > MAX_DEPTH:
            raise _Limit(diag(codes.TOO_DEEP, span, f"nesting deeper than {MAX_DEPTH} levels",
                              "flatten the blocks or lists"))
        return depth

    def _digits(self, tok) -> None:
        if sum(ch.isdigit() for ch in str(tok)) > MAX_DIGITS:
            raise _Limit(diag(codes.BAD_VALUE, self._span(tok), f"a number with more than {MAX_DIGITS} digits",
                              "no size or count of a VM is that large"))

    def size(self, children):
        (tok,) = children
        self._digits(tok)
        span = self._span(tok)
        value = parse_size(str(tok))
        if value is None:
            raise _Limit(diag(codes.BAD_VALUE, span, f"{tok} is not a whole number of bytes"))
        return ast.Size(value, str(tok), span)

    def percent(self, children):
        pct, ref = children
        self._digits(pct)
        span = Span(self.path, pct.line, pct.column, ref.end_line, ref.end_column)
        return ast.Percent(float(str(pct)[:-1]), str(ref), f"{pct} of {ref}", span)

    def int(self, children):
        (tok,) = children
        self._digits(tok)
        return ast.Int(int(str(tok)), self._span(tok))

    def _text(self, tok) -> str:
        """A string literal's value; an escape that makes a control character is refused
        here, where the span is known (the raw text was checked before parsing)."""
        text = _unquote(str(tok))
        found = control_character(text)
        if found:
            raise _Limit(diag(codes.CONTROL_CHARACTER, self._span(tok),
                              f"the string holds {_describe_control(found.group(0))} (written as an escape)",
                              "a value in a profile is one line: drop the \\n or \\t escape"))
        return text

    def string(self, children):
        (tok,) = children
        return ast.Str(self._text(tok), self._span(tok))

    def word(self, children):
        (tok,) = children
        return ast.Word(str(tok), self._span(tok))

    def list(self, children):
        items = tuple(c for c in children[1:-1] if c is not None)
        span = self._join(children[0], children[-1])
        node = ast.List(items, span)
        object.__setattr__(node, "_depth", self._depth_check(items, span))
        return node

    def setting(self, children):
        key, value = children
        node = ast.Setting(str(key), self._span(key), value, self._join(key, value.span))
        object.__setattr__(node, "_depth", getattr(value, "_depth", 0))
        return node

    def label(self, children):
        (tok,) = children
        text = self._text(tok) if tok.type == "STRING" else str(tok)
        return (text, self._span(tok))

    def block(self, children):
        kind, *rest, close = children
        label = label_span = None
        if isinstance(rest[0], tuple):
            (label, label_span), rest = rest[0], rest[1:]
        rest = rest[1:]  # the opening brace
        span = self._join(kind, close)
        node = ast.Block(str(kind), self._span(kind), label, label_span, tuple(rest), span)
        object.__setattr__(node, "_depth", self._depth_check(rest, span))
        return node

    def extends(self, children):
        return tuple((str(t), self._span(t)) for t in children)

    def profile(self, children):
        keyword, name, *rest, close = children
        extends = ()
        if isinstance(rest[0], tuple):
            extends, rest = rest[0], rest[1:]
        rest = rest[1:]  # the opening brace
        return ast.Profile(str(name), self._span(name), str(keyword) == "template", extends,
                           tuple(rest), self._join(keyword, close))

    def include(self, children):
        keyword, tok = children
        return ast.Include(self._text(tok), self._join(keyword, tok))

    def start(self, children):
        return children


@cache
def _parser() -> tuple[Lark, _Builder]:
    grammar = _grammar_text()
    builder = _Builder("<input>")
    lark = Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=False, transformer=builder, cache=_cache_file(grammar) or False)
    return lark, builder


def _expected_words(expected) -> str:
    words = sorted({_TERMINAL_WORDS.get(t, repr(t.lower()) if t.isupper() else t) for t in expected})
    if not words:
        return ""
    if len(words) > 6:
        words = words[:6] + ["…"]
    return "expected " + ", ".join(words)


def _syntax_diagnostic(path: str, text: str, err: UnexpectedInput) -> Diagnostic:
    line = getattr(err, "line", 1) or 1
    column = getattr(err, "column", 1) or 1
    if line < 1:  # Lark reports EOF at -1
        lines = text_lines(text) or [""]
        line, column = len(lines), len(lines[-1]) + 1
    span = Span(path, line, column, line, column + 1)
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream if err.pos_in_stream is not None else len(text)
        ch = text[pos] if pos < len(text) else ""
        msg = f"unexpected character {ch!r}"
        hint = _expected_words(err.allowed)
    elif isinstance(err, UnexpectedToken):
        tok: Token = err.token
        if tok.type == "$END":
            msg = "unexpected end of file"
            lines = text_lines(text) or [""]
            span = Span(path, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2)
            opened = _unclosed(text)
            if opened:
                msg += f": the '{opened[0]}' at line {opened[1]}, column {opened[2]} is never closed"
        else:
            msg = f"unexpected {tok.value!r}"
            tok_line, tok_column = tok.line or line, tok.column or column
            span = Span(path, tok_line, tok_column, tok.end_line or tok_line, tok.end_column or tok_column + 1)
        hint = _expected_words(err.accepts or err.expected)
    elif isinstance(err, UnexpectedEOF):
        msg, hint = "unexpected end of file", _expected_words(err.expected)
    else:
        msg, hint = "syntax error", None
    return diag(codes.SYNTAX, span, msg, hint or None)


def _unclosed(text: str) -> tuple[str, int, int] | None:
    """The bracket most likely left open, for the "unexpected end of file" message. Brackets
    are matched skipping strings and comments; a closing brace that starts a line is taken to
    close the block whose line is indented like it, so in

        vm { cpus = 4          <- never closed
        zfs { ... }
        }

    the `vm {` is blamed, not the profile's brace that the last `}` was left to close."""
    stack: list[tuple[str, int, int, int]] = []   # bracket, line, column, indentation of its line
    blamed = None
    for number, line in enumerate(text.split("\n"), start=1):
        indent = len(line) - len(line.lstrip())
        in_string = False
        i = 0
        while i < len(line):
            ch = line[i]
            if in_string:
                if ch == "\\":
                    i += 1
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "#":
                break
            elif ch in "{[":
                stack.append((ch, number, i + 1, indent))
            elif ch in "}]" and stack:
                if i == indent:
                    while len(stack) > 1 and stack[-1][3] > indent:
                        blamed = blamed or stack[-1]
                        stack.pop()
                stack.pop()
            i += 1
    chosen = blamed or (stack[-1] if stack else None)
    return chosen[:3] if chosen else None


def parse_text(text: str, path: str) -> tuple[ast.Module | None, list[Diagnostic]]:
    if len(text) > MAX_BYTES:
        return None, [diag(codes.TOO_LARGE, Span.point(path), f"file has {len(text)} characters; "
                           f"mscc reads at most {MAX_BYTES}")]
    controls = control_characters(text, path)
    if controls:
        return None, controls
    try:
        items = _parse_with_builder(text, path)
    except _Limit as limit:
        return None, [limit.diagnostic]
    except UnexpectedInput as err:
        return None, [_syntax_diagnostic(path, text, err)]
    includes = tuple(i for i in items if isinstance(i, ast.Include))
    profiles = tuple(p for p in items if isinstance(p, ast.Profile))
    return ast.Module(path, includes, profiles), []


_MAX_CONTROL_REPORTS = 20


def _describe_control(ch: str) -> str:
    import unicodedata

    name = unicodedata.name(ch, "") or {"\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\t": "TAB"}.get(ch, "CONTROL")
    return f"U+{ord(ch):04X} ({name.lower()})"


def control_characters(text: str, path: str) -> list[Diagnostic]:
    """MS012 for every control character outside line ends and indentation. A newline, CR,
    NUL or U+2028 inside a value would end a line of the generated file and start another
    one the profile never showed; in a comment it makes editors, Python's splitlines and
    mscc disagree about line numbers. Tabs and CRLF line ends are fine."""
    out: list[Diagnostic] = []
    for match in CONTROL.finditer(text):
        ch, offset = match.group(0), match.start()
        if ch in "\n\t" or (ch == "\r" and text.startswith("\n", offset + 1)):
            continue
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        out.append(diag(codes.CONTROL_CHARACTER, Span(path, line, column, line, column + 1),
                        f"{_describe_control(ch)} in the file",
                        "remove it: profiles are plain text, one setting per line"))
        if len(out) >= _MAX_CONTROL_REPORTS:
            break
    return out


def _parse_with_builder(text: str, path: str):
    lark, builder = _parser()
    builder.path = path  # one builder serves every parse; runs are single-threaded
    try:
        return lark.parse(text)
    except VisitError as err:
        if isinstance(err.orig_exc, _Limit):
            raise err.orig_exc from None
        raise
