"""Pure core of `mscc audit` for Linux Kconfig.

Parses config fragments and .config files, loads the offline symbol database written by
scripts/gen_kconfig_db.py, evaluates Kconfig dependency expressions over a final .config,
and explains why a requested value did not survive `merge_config.sh` + `olddefconfig`.

The kernel's own tools are the reference for *what* survives (merge_and_resolve runs them);
the database only explains *why*.  Stdlib only; no printing, no exiting; importing this
module has no side effects.
"""
from __future__ import annotations

import difflib
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mscc.source import text_lines

__all__ = [
    "Assignment", "BadLine", "Drop", "Symbol", "Definition", "Choice", "SymbolDB", "KconfigToolError",
    "parse_config_lines", "config_values", "load_symbol_db", "parse_expr", "eval_expr", "expr_text",
    "failing_terms", "ExprSyntaxError",
    "merge_and_resolve", "default_cross_compile", "compare",
]

# ---------------------------------------------------------------------------
# Fragments and .config files
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """One `CONFIG_X=v` or `# CONFIG_X is not set` line.

    `symbol` has no CONFIG_ prefix; `value` is as written (strings keep their quotes),
    'n' for "is not set"; `line`/`column` are 1-based, column points at `CONFIG_`.
    """
    symbol: str
    value: str
    line: int
    column: int


@dataclass(frozen=True)
class BadLine:
    """A line Kconfig would ignore or reject: reported instead of silently dropped."""
    line: int
    text: str


_VALUE = r'(?:[ymn]|"(?:[^"\\]|\\.)*"|-?[0-9]+|0[xX][0-9a-fA-F]+)'
_SET_LINE = re.compile(r"^CONFIG_([A-Za-z0-9_]+)=(" + _VALUE + r")$")
_UNSET_LINE = re.compile(r"^# CONFIG_([A-Za-z0-9_]+) is not set$")
# A comment that was clearly meant as "is not set" but that Kconfig and merge_config.sh
# both treat as a plain comment (e.g. "#CONFIG_X is not set", trailing blanks).
_NEAR_UNSET = re.compile(r"^#\s*CONFIG_[A-Za-z0-9_]+\s+is\s+not\s+set\s*$")


def parse_config_lines(text: str) -> list[Assignment | BadLine]:
    """Parse a fragment or .config; returns Assignments and BadLines in file order.

    Blank lines and ordinary comments are skipped.  Anything Kconfig would not read as an
    assignment (leading/trailing blanks, bad values, near-miss "is not set" comments) is a
    BadLine: those are exactly the lines that otherwise vanish without a warning.
    """
    items: list[Assignment | BadLine] = []
    for number, raw in enumerate(text_lines(text), start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line.strip():
            continue
        match = _SET_LINE.match(line)
        if match:
            items.append(Assignment(match.group(1), match.group(2), number, 1))
            continue
        match = _UNSET_LINE.match(line)
        if match:
            items.append(Assignment(match.group(1), "n", number, 3))
            continue
        if line.startswith("#") and not _NEAR_UNSET.match(line):
            continue
        items.append(BadLine(number, raw))
    return items


def _assignments(items: Iterable[Assignment | BadLine]) -> list[Assignment]:
    return [item for item in items if isinstance(item, Assignment)]


# ---------------------------------------------------------------------------
# Kconfig expressions: tokenizer, parser, tristate evaluator
# ---------------------------------------------------------------------------

_OPERATORS = ("&&", "||", "!=", "<=", ">=", "=", "<", ">", "!", "(", ")")
_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
_TRISTATE = {"n": 0, "m": 1, "y": 2}
_TRISTATE_NAME = {0: "n", 1: "m", 2: "y"}


class ExprSyntaxError(ValueError):
    pass


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "\"'":
            end = i + 1
            while end < len(text) and text[end] != ch:
                end += 2 if text[end] == "\\" else 1
            tokens.append(text[i:end + 1])
            i = end + 1
        elif text.startswith("$(", i) or ch.isalnum() or ch in "_-":
            start = i
            while i < len(text) and (text[i].isalnum() or text[i] in "_-." or text.startswith("$(", i)):
                if text.startswith("$(", i):  # a macro call is one opaque word
                    depth = 0
                    i += 1  # count parentheses from the "(" after "$"
                    while i < len(text):
                        depth += {"(": 1, ")": -1}.get(text[i], 0)
                        i += 1
                        if depth == 0:
                            break
                else:
                    i += 1
            tokens.append(text[start:i])
        else:
            for op in _OPERATORS:
                if text.startswith(op, i):
                    tokens.append(op)
                    i += len(op)
                    break
            else:
                raise ExprSyntaxError(f"unexpected {ch!r} in {text!r}")
    return tokens


def parse_expr(text: str) -> tuple:
    """Parse a Kconfig expression into a tuple tree.

    Nodes: ("sym", word) | ("not", e) | ("and", a, b) | ("or", a, b) | ("cmp", op, word, word).
    Precedence follows scripts/kconfig/parser.y: ! > comparison > && > ||.
    """
    tokens = _tokenize(text)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise ExprSyntaxError(f"unexpected end of {text!r}")
        pos += 1
        return tokens[pos - 1]

    def parse_or() -> tuple:
        node = parse_and()
        while peek() == "||":
            take()
            node = ("or", node, parse_and())
        return node

    def parse_and() -> tuple:
        node = parse_unary()
        while peek() == "&&":
            take()
            node = ("and", node, parse_unary())
        return node

    def parse_unary() -> tuple:
        token = take()
        if token == "!":
            return ("not", parse_unary())
        if token == "(":
            node = parse_or()
            if take() != ")":
                raise ExprSyntaxError(f"missing ')' in {text!r}")
            return node
        if token in _OPERATORS:
            raise ExprSyntaxError(f"unexpected {token!r} in {text!r}")
        if peek() in _COMPARISONS:
            op = take()
            return ("cmp", op, token, take())
        return ("sym", token)

    node = parse_or()
    if pos != len(tokens):
        raise ExprSyntaxError(f"trailing {tokens[pos]!r} in {text!r}")
    return node


def expr_text(node: tuple) -> str:
    """Render a parsed expression back to Kconfig syntax (minimal parentheses)."""
    kind = node[0]
    if kind == "sym":
        return node[1]
    if kind == "cmp":
        return f"{node[2]} {node[1]} {node[3]}"
    if kind == "not":
        inner = expr_text(node[1])
        return f"!{inner}" if node[1][0] == "sym" else f"!({inner})"
    joiner = " && " if kind == "and" else " || "
    parts = []
    for child in node[1:]:
        text = expr_text(child)
        parts.append(f"({text})" if kind == "and" and child[0] == "or" else text)
    return joiner.join(parts)


def _word_value(word: str, values: Mapping[str, str]) -> str:
    """String value of an operand: a constant, a symbol's final value, or 'n' if unset."""
    if word[:1] in "\"'":
        return _unquote(word)
    if word.startswith("$("):
        return "y"  # macros ($(cc-option,...)) are host facts we cannot re-run: assume met
    if word in values:
        value = values[word]
        return _unquote(value) if value.startswith('"') else value
    if word in _TRISTATE or re.fullmatch(r"-?[0-9]+|0[xX][0-9a-fA-F]+", word):
        return word
    return "n"


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _as_number(value: str) -> int | None:
    try:
        return int(value, 0) if not re.fullmatch(r"-?0[0-9]+", value) else int(value, 10)
    except ValueError:
        return None


def _eval_node(node: tuple, values: Mapping[str, str]) -> int:
    kind = node[0]
    if kind == "sym":
        return _TRISTATE.get(_word_value(node[1], values), 0)
    if kind == "not":
        return 2 - _eval_node(node[1], values)
    if kind == "and":
        return min(_eval_node(node[1], values), _eval_node(node[2], values))
    if kind == "or":
        return max(_eval_node(node[1], values), _eval_node(node[2], values))
    # Mirrors expr.c: tristates order n < m < y, numbers numerically, anything else by strcmp.
    op, left, right = node[1], _word_value(node[2], values), _word_value(node[3], values)
    left_num, right_num = _as_number(left), _as_number(right)
    if left in _TRISTATE and right in _TRISTATE:
        left, right = _TRISTATE[left], _TRISTATE[right]  # type: ignore[assignment]
    elif left_num is not None and right_num is not None:
        left, right = left_num, right_num  # type: ignore[assignment]
    result = {"=": left == right, "!=": left != right, "<": left < right, "<=": left <= right,
              ">": left > right, ">=": left >= right}[op]
    return 2 if result else 0


def eval_expr(expr: str | tuple, values: Mapping[str, str]) -> str:
    """Evaluate a Kconfig expression over final values (symbol -> value); returns 'y'|'m'|'n'."""
    node = parse_expr(expr) if isinstance(expr, str) else expr
    return _TRISTATE_NAME[_eval_node(node, values)]


def _and_terms(node: tuple) -> list[tuple]:
    if node[0] == "and":
        return _and_terms(node[1]) + _and_terms(node[2])
    return [node]


def _symbols_in(node: tuple) -> list[str]:
    if node[0] == "sym":
        word = node[1]
        return [] if word in _TRISTATE or word[:1] in "\"'$" or _as_number(word) is not None else [word]
    if node[0] == "cmp":
        return [w for w in node[2:] if w[:1] not in "\"'$" and w not in _TRISTATE and _as_number(w) is None]
    return [name for child in node[1:] for name in _symbols_in(child)]


def failing_terms(exprs: Sequence[str], values: Mapping[str, str], need: str = "y") -> list[tuple]:
    """The top-level `&&` terms of `exprs` whose value is below `need` ('y' or 'm')."""
    threshold = _TRISTATE[need]
    failing = []
    for expr in exprs:
        for term in _and_terms(parse_expr(expr)):
            if _eval_node(term, values) < threshold:
                failing.append(term)
    return failing


# ---------------------------------------------------------------------------
# Symbol database
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    file: str
    line: int
    prompted: bool          # the definition has a prompt (its text is not kept: facts, not copies)
    prompt_if: str | None
    depends: tuple[str, ...]
    block_depends: tuple[str, ...]
    selects: tuple[tuple[str, str | None], ...]
    implies: tuple[tuple[str, str | None], ...]
    defaults: tuple[tuple[str, str | None], ...]
    ranges: tuple[tuple[str, str | None], ...]
    choice: str | None

    @property
    def all_depends(self) -> tuple[str, ...]:
        return self.block_depends + self.depends

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Symbol:
    name: str
    type: str | None
    definitions: tuple[Definition, ...]

    @property
    def has_prompt(self) -> bool:
        return any(d.prompted for d in self.definitions)

    @property
    def choice(self) -> str | None:
        return next((d.choice for d in self.definitions if d.choice), None)


@dataclass(frozen=True)
class Choice:
    id: str
    prompt: str | None      # the choice's menu title: a choice has no symbol name, this names it
    members: tuple[str, ...]
    defaults: tuple[tuple[str, str | None], ...]
    depends: tuple[str, ...]


def _pairs(raw: list | None) -> tuple[tuple[str, str | None], ...]:
    return tuple((value, cond) for value, cond in (raw or []))


def _definition(raw: dict) -> Definition:
    return Definition(
        file=raw["file"], line=raw["line"], prompted=raw.get("prompt") is not None, prompt_if=raw.get("prompt_if"),
        depends=tuple(raw.get("depends", ())), block_depends=tuple(raw.get("block_depends", ())),
        selects=_pairs(raw.get("selects")), implies=_pairs(raw.get("implies")),
        defaults=_pairs(raw.get("defaults")), ranges=_pairs(raw.get("ranges")), choice=raw.get("choice"),
    )


def _strip_prefix(name: str) -> str:
    return name[len("CONFIG_"):] if name.startswith("CONFIG_") else name


class SymbolDB:
    """Read-only view of kconfig-<version>.json with dependency-based explanations."""

    def __init__(self, data: Mapping):
        self.header: dict = dict(data.get("header", {}))
        self.symbols: dict[str, Symbol] = {
            name: Symbol(name, raw.get("type"), tuple(_definition(d) for d in raw["definitions"]))
            for name, raw in data["symbols"].items()
        }
        self.choices: dict[str, Choice] = {
            cid: Choice(cid, raw.get("prompt"), tuple(raw.get("members", ())), _pairs(raw.get("defaults")),
                        tuple(raw.get("block_depends", ())) + tuple(raw.get("depends", ())))
            for cid, raw in data.get("choices", {}).items()
        }
        # Reverse edges: who selects/implies a symbol (select forces a floor, ignoring depends).
        self.selected_by: dict[str, list[tuple[str, str | None]]] = {}
        self.implied_by: dict[str, list[tuple[str, str | None]]] = {}
        for symbol in self.symbols.values():
            for definition in symbol.definitions:
                for target, cond in definition.selects:
                    self.selected_by.setdefault(target, []).append((symbol.name, cond))
                for target, cond in definition.implies:
                    self.implied_by.setdefault(target, []).append((symbol.name, cond))

    @property
    def kernel_version(self) -> str:
        return str(self.header.get("kernel_version", "?"))

    @property
    def kernel_series(self) -> str:
        return ".".join(self.kernel_version.split(".")[:2])

    def lookup(self, name: str) -> Symbol | None:
        return self.symbols.get(_strip_prefix(name))

    def close_matches(self, name: str, n: int = 3) -> list[str]:
        from mscc.suggest import budget_left

        if not budget_left(name):
            return []
        return difflib.get_close_matches(_strip_prefix(name).upper(), self.symbols.keys(), n=n, cutoff=0.75)

    def explain(self, symbol: str, requested: str, final_values: Mapping[str, str]) -> str:
        """Why `symbol=requested` did not survive, from depends/select/choice facts."""
        name = _strip_prefix(symbol)
        info = self.lookup(name)
        if info is None:
            reason = f"{name}: unknown symbol in {self.kernel_series}"
            suggestions = self.close_matches(name)
            return reason + (f" (did you mean {', '.join(suggestions)}?)" if suggestions else "")
        final = final_values.get(name)
        if (final is not None and _same_value(requested, final)) or (requested == "n" and final is None):
            return f"{name}={requested} survived"
        shown_final = final if final is not None else "not set (absent from .config)"
        return (_explain_invalid_value(info, requested)
                or _explain_range(info, requested, final_values)
                or self._explain_too_low(info, requested, final_values)
                or self._explain_choice(info, requested, final_values)
                or self._explain_too_high(info, requested, final, final_values)
                or f"{name}={requested} requested, final value is {shown_final}; "
                   f"no unmet dependency, select or choice found to explain it")

    # -- explanation pieces -------------------------------------------------
    def _explain_choice(self, info: Symbol, requested: str, values: Mapping[str, str]) -> str | None:
        choice = self.choices.get(info.choice) if info.choice else None
        if choice is None:
            return None
        title = f"the choice '{choice.prompt}'" if choice.prompt else f"the choice at {choice.id}"
        chosen = [m for m in choice.members if values.get(m) == "y" and m != info.name]
        if requested == "y" and chosen:
            return f"{info.name} is in {title} and {chosen[0]} was chosen"
        if requested == "n" and values.get(info.name) == "y":
            return (f"{info.name} is the selected member of {title}; a choice always has one member "
                    f"set, so set another of {', '.join(m for m in choice.members if m != info.name)} to y")
        return None

    def _explain_too_low(self, info: Symbol, requested: str, values: Mapping[str, str],
                         depth: int = 0) -> str | None:
        """Requested visible value is higher than what dependencies/prompt allow."""
        if info.type in ("bool", "tristate"):
            if requested not in ("y", "m"):
                return None
            if _rank(values.get(info.name, "n")) >= _rank(requested):
                return None
            # A bool whose dependencies are m is still allowed y (Kconfig promotes m to y).
            need = "m" if info.type == "bool" else requested
        else:
            need = "m"  # non-tristate symbols only need to be visible
        prompted = [d for d in info.definitions if d.prompted]
        best: tuple[Definition, list[tuple]] | None = None
        for definition in prompted or info.definitions:
            failing = failing_terms(definition.all_depends, values, need)
            if best is None or len(failing) < len(best[1]):
                best = (definition, failing)
        definition, failing = best  # type: ignore[misc]
        if failing:
            own = " && ".join(f"({d})" if "||" in d else d for d in definition.all_depends)
            reason = (f"{info.name}={requested} needs {', '.join(_term_need(t, requested) for t in failing)} "
                      f"(depends on {own}); {_describe_values(failing, values, self)}")
            # One level down: a needed symbol that is itself absent usually has its own cause
            # (e.g. GCC_PLUGIN_STACKLEAK -> GCC_PLUGINS -> compiler probe).
            for term in failing:
                inner_info = self.lookup(term[1]) if term[0] == "sym" else None
                if depth < 2 and inner_info and term[1] not in values:
                    inner = self._explain_too_low(inner_info, "y", values, depth + 1)
                    if inner:
                        reason += f"; {inner}"
            return reason
        probes = [d for d in definition.all_depends if "$(" in d]
        if probes and info.name not in values:
            # $(...) is run by Kconfig against the real toolchain; we assume it true when
            # evaluating, so an otherwise unexplained absence points at the probe.
            return f"{info.name} depends on a toolchain probe that was false here: {probes[0]}"
        if not prompted:
            return (f"{info.name} has no prompt in {self.kernel_series}: users cannot set it; "
                    f"{self._sources(info, values)}")
        hidden = [d for d in prompted if d.prompt_if and eval_expr(d.prompt_if, values) == "n"]
        if len(hidden) == len(prompted):
            cond = hidden[0].prompt_if
            assert cond is not None  # every hidden definition has a prompt condition
            terms = failing_terms([cond], values, "m")
            return (f"{info.name}'s prompt is shown only if {cond}; "
                    f"{_describe_values(terms, values, self) if terms else 'that condition is false'}")
        return None

    def _explain_too_high(self, info: Symbol, requested: str, final: str | None,
                          values: Mapping[str, str]) -> str | None:
        """Final value is higher than requested: something forces it up."""
        if info.type not in ("bool", "tristate") or final is None or _rank(final) <= _rank(requested):
            return None
        if requested == "m" and values.get("MODULES", "n") != "y":
            return f"{info.name}=m needs MODULES=y (loadable modules); MODULES is {values.get('MODULES', 'n')}"
        forcing = self._active_selectors(info.name, values, _rank(requested))
        if forcing:
            return f"{info.name} is selected by {', '.join(forcing)}; select overrides the requested {requested}"
        if not info.has_prompt:
            return (f"{info.name} has no prompt in {self.kernel_series}: users cannot set it; "
                    f"{self._sources(info, values)}")
        return None

    def _active_selectors(self, name: str, values: Mapping[str, str], above: int) -> list[str]:
        active = []
        for selector, cond in self.selected_by.get(name, ()):
            level = _rank(values.get(selector, "n"))
            if cond:
                level = min(level, _TRISTATE[eval_expr(cond, values)])
            if level > above:
                active.append(f"{selector}={values.get(selector)}" + (f" (if {cond})" if cond else ""))
        return active

    def _sources(self, info: Symbol, values: Mapping[str, str]) -> str:
        active = self._active_selectors(info.name, values, 0)
        if active:
            return f"it is selected by {', '.join(active)}"
        selectors = [s for s, _ in self.selected_by.get(info.name, ())]
        defaults = [d for definition in info.definitions for d in definition.defaults]
        parts = []
        if selectors:
            parts.append(f"only select can set it (by {', '.join(selectors[:5])}{'...' if len(selectors) > 5 else ''})")
        if defaults:
            parts.append("its value comes from default " + "; ".join(
                v + (f" if {c}" if c else "") for v, c in defaults[:3]))
        return ", ".join(parts) or "nothing in this architecture sets it"


def _rank(value: str | None) -> int:
    return _TRISTATE.get(value or "n", 0)


def _explain_invalid_value(info: Symbol, requested: str) -> str | None:
    kind = info.type
    if kind == "bool" and requested not in ("y", "n"):
        return f"{info.name} is a bool: {requested!r} is not a valid value (Kconfig ignores it)"
    if kind == "tristate" and requested not in ("y", "m", "n"):
        return f"{info.name} is a tristate: {requested!r} is not a valid value (Kconfig ignores it)"
    if kind in ("int", "hex") and requested != "n" and _as_number(requested) is None:
        return f"{info.name} is {kind}: {requested!r} is not a number (Kconfig ignores it)"
    if kind == "string" and requested != "n" and not requested.startswith('"'):
        return f"{info.name} is a string: the value must be quoted"
    return None


def _explain_range(info: Symbol, requested: str, values: Mapping[str, str]) -> str | None:
    number = _as_number(requested)
    if info.type not in ("int", "hex") or number is None:
        return None
    for definition in info.definitions:
        for bounds, cond in definition.ranges:
            if cond and eval_expr(cond, values) == "n":
                continue
            low, high = (_as_number(_word_value(w, values)) for w in _tokenize(bounds)[:2])
            if low is not None and high is not None and not low <= number <= high:
                return f"{info.name}={requested} is outside its range {bounds}" + (f" (if {cond})" if cond else "")
    return None


def _term_need(term: tuple, requested: str) -> str:
    """'FUSE_FS=y' for a plain symbol term, else the term's own text ('!KMSAN')."""
    if term[0] == "sym" and _symbols_in(term):
        return f"{term[1]}=m or y" if requested == "m" else f"{term[1]}=y"
    return f"({expr_text(term)})" if term[0] == "or" else expr_text(term)


def _describe_values(terms: Sequence[tuple], values: Mapping[str, str], db: SymbolDB) -> str:
    described = []
    for name in dict.fromkeys(n for term in terms for n in _symbols_in(term)):
        if db.lookup(name) is None:
            described.append(f"{name} does not exist for {db.header.get('arch', 'this arch')}")
        elif name in values:
            described.append(f"{name} is {values[name]}")
        else:
            described.append(f"{name} is not set")
    return ", ".join(described) or "the condition is false"


def load_symbol_db(path: str | os.PathLike) -> SymbolDB:
    with open(path, encoding="utf-8") as f:
        return SymbolDB(json.load(f))


# ---------------------------------------------------------------------------
# Running the kernel's own tools
# ---------------------------------------------------------------------------


class KconfigToolError(RuntimeError):
    """merge_config.sh or make failed; `log` holds the tool's output."""

    def __init__(self, message: str, log: str):
        super().__init__(message)
        self.log = log


def default_cross_compile(arch: str = "arm64") -> str | None:
    """CROSS_COMPILE for olddefconfig: $(cc-option,...) in Kconfig probes the compiler,
    so resolving an arm64 config with an x86 gcc gives different CC_HAS_* answers."""
    if arch != "arm64" or platform.machine().lower() in ("aarch64", "arm64"):
        return None
    return "aarch64-linux-gnu-" if shutil.which("aarch64-linux-gnu-gcc") else None


def _tool_env() -> dict[str, str]:
    # Inherited KCONFIG_*/KBUILD_OUTPUT/ARCH would silently redirect or change the run.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KCONFIG_") and k not in ("KBUILD_OUTPUT", "ARCH", "CROSS_COMPILE", "O")}
    env["KCONFIG_WARN_UNKNOWN_SYMBOLS"] = "1"  # unknown symbols appear in the log (6.7+)
    return env


def _run(cmd: list[str], cwd: Path, log_path: Path) -> None:
    result = subprocess.run(cmd, cwd=cwd, env=_tool_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    log_path.write_text(f"$ {' '.join(cmd)}\n{result.stdout}", encoding="utf-8")
    if result.returncode != 0:
        raise KconfigToolError(f"{cmd[0]} failed with status {result.returncode} (see {log_path})", result.stdout)


def _tools_cache(tree: Path, arch: str, cross_compile: str | None) -> Path:
    """Where the built Kconfig host tools (scripts/basic/fixdep, scripts/kconfig/conf) of
    this tree and arch are kept between runs: building them in a fresh O= directory is most
    of a `make olddefconfig` (flex, bison and a dozen C files)."""
    import hashlib

    stamp = tree / "Makefile"
    mtime = stamp.stat().st_mtime_ns if stamp.is_file() else 0
    key = hashlib.sha256(f"{tree}\0{mtime}\0{arch}\0{cross_compile}".encode()).hexdigest()[:16]
    from mscc.paths import cache_dir

    return cache_dir() / "kconfig-tools" / key


def prime_tools(tree: Path, out: Path, arch: str, cross_compile: str | None) -> None:
    """Seed a new O= directory with the cached host tools (make still rebuilds them if they
    are stale: their .cmd files and timestamps travel with them)."""
    cached = _tools_cache(tree, arch, cross_compile) / "scripts"
    if cached.is_dir() and not (out / "scripts").exists():
        try:
            shutil.copytree(cached, out / "scripts", symlinks=True)
        except OSError:
            shutil.rmtree(out / "scripts", ignore_errors=True)  # make builds them from scratch


def keep_tools(tree: Path, out: Path, arch: str, cross_compile: str | None) -> None:
    """After a successful make: keep this O= directory's host tools for the next run. Written
    to a temporary name and renamed, so a concurrent run never sees half a copy."""
    cache = _tools_cache(tree, arch, cross_compile)
    if (cache / "scripts").is_dir() or not (out / "scripts" / "kconfig" / "conf").is_file():
        return
    try:
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".scripts-", dir=cache))
    except OSError:
        return  # the cache is not writable: only speed is lost
    try:
        shutil.copytree(out / "scripts", staging / "scripts", symlinks=True)
        os.rename(staging / "scripts", cache / "scripts")
    except OSError:
        pass  # another run got there first
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def merge_and_resolve(tree: str | os.PathLike, base_config_path: str | os.PathLike,
                      fragments: Sequence[str | os.PathLike], arch: str = "arm64",
                      cross_compile: str | None = None, *, workdir: str | os.PathLike) -> dict[str, str]:
    """Merge fragments onto a base config with the tree's merge_config.sh, resolve it with
    `make olddefconfig`, and return the final values (symbol -> value; 'n' for "is not set";
    symbols absent from the final .config are absent from the dict).

    Everything is written under `workdir` (O=workdir): the source tree stays untouched.
    cross_compile=None picks aarch64-linux-gnu- on non-arm64 hosts when installed; pass ""
    to force the host compiler.  Logs: workdir/merge_config.log, workdir/olddefconfig.log;
    the merged, unresolved config is kept as workdir/merged.config.
    """
    tree = Path(tree).resolve()
    workdir = Path(workdir).resolve()
    inputs = [Path(base_config_path).resolve()] + [Path(f).resolve() for f in fragments]
    for path in inputs:
        if not path.is_file():  # merge_config.sh would silently `touch` a missing base
            raise FileNotFoundError(path)
    workdir.mkdir(parents=True, exist_ok=True)
    # cwd=workdir: merge_config.sh creates its temporary files in the current directory.
    _run(["sh", str(tree / "scripts/kconfig/merge_config.sh"), "-m", "-O", str(workdir)]
         + [str(p) for p in inputs], workdir, workdir / "merge_config.log")
    shutil.copyfile(workdir / ".config", workdir / "merged.config")
    if cross_compile is None:
        cross_compile = default_cross_compile(arch)
    make = ["make", "-C", str(tree), f"O={workdir}", f"ARCH={arch}"]
    if cross_compile:
        make.append(f"CROSS_COMPILE={cross_compile}")
    prime_tools(tree, workdir, arch, cross_compile)
    _run(make + ["olddefconfig"], workdir, workdir / "olddefconfig.log")
    keep_tools(tree, workdir, arch, cross_compile)
    return config_values((workdir / ".config").read_text(encoding="utf-8"))


def config_values(text: str) -> dict[str, str]:
    """symbol -> value for a .config text (later lines win, as in Kconfig)."""
    return {a.symbol: a.value for a in _assignments(parse_config_lines(text))}


# ---------------------------------------------------------------------------
# Requested vs. final
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Drop:
    """A requested value that did not survive: kind 'absent' (symbol not in the final
    .config: unknown or dependencies unmet) or 'differs' (present with another value)."""
    assignment: Assignment
    final_value: str | None
    kind: str


def _same_value(requested: str, final: str) -> bool:
    if requested == final:
        return True
    left, right = _as_number(requested), _as_number(final)
    return left is not None and left == right


def compare(requested: Sequence[Assignment], final: Mapping[str, str]) -> list[Drop]:
    """Requested assignments that the final config does not honour, in request order.

    Only the last request per symbol counts (Kconfig's later-line-wins rule); `=n` is
    satisfied by "is not set" or by the symbol being absent.
    """
    last_index = {a.symbol: i for i, a in enumerate(requested)}
    drops = []
    for index, assignment in enumerate(requested):
        if last_index[assignment.symbol] != index:
            continue  # overridden by a later request for the same symbol
        value = final.get(assignment.symbol)
        if assignment.value == "n":
            if value not in (None, "n"):
                drops.append(Drop(assignment, value, "differs"))
        elif value is None:
            drops.append(Drop(assignment, None, "absent"))
        elif not _same_value(assignment.value, value):
            drops.append(Drop(assignment, value, "differs"))
    return drops
