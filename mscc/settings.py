"""Project settings for `mscc lint`: `[tool.mscc]` in pyproject.toml or a `.mscc.toml`.

    [tool.mscc]
    disable = ["MS705", "config-debug-option"]   # codes or names; "MS7*" covers a group
    enable = ["MS708"]                           # re-enables what a wider disable covered
    severity = { MS308 = "error", MS705 = "note" }
    fail-on = "warning"                          # error (default) | warning | note
    format = "concise"
    memory = "16GiB"                             # VM memory for ARC checks of config files
    exclude = ["out/**", "vendor/*.config"]      # glob patterns, relative to the settings file
    arch = "amd64"                               # the architecture kernel configs are for
    release = "14.3"                             # the OS or kernel release they are for

The nearest settings file wins: from the start directory upwards, a `.mscc.toml` beats a
`pyproject.toml` in the same directory, and a `pyproject.toml` counts only if it has a
`[tool.mscc]` table. The search stops at the repository root (a directory with `.git`).
Invalid settings are diagnostics (MS010) located in the settings file, not exceptions.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from mscc import codes
from mscc.diagnostics import Diagnostic, Severity, diag, registry
from mscc.reading import MAX_BYTES, read_regular
from mscc.record import Record
from mscc.reporters import REPORTERS
from mscc.source import SourceFile, Span

SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING, "note": Severity.NOTE}
KEYS = ("disable", "enable", "severity", "fail-on", "format", "memory", "exclude", "arch", "release")


class Settings(Record):
    path: str | None = None                 # where they came from; None: built-in defaults
    disable: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    fail_on: Severity | None = None
    format: str | None = None
    memory: int | None = None
    exclude: tuple[str, ...] = ()
    arch: str | None = None                 # what kernel configs are for, when they do not say
    release: str | None = None
    root: str | None = None                 # the settings file's directory, for `exclude`

    def enabled(self, code: str) -> bool:
        if _matches(code, self.enable):
            return True
        return not _matches(code, self.disable)

    def severity_of(self, code: str, default: Severity) -> Severity:
        for pattern, severity in self.severity:
            if _matches(code, (pattern,)):
                return severity
        return default

    def excluded(self, path: str) -> bool:
        if not self.exclude:
            return False
        rel = os.path.relpath(os.path.abspath(path), self.root or os.getcwd()).replace(os.sep, "/")
        return any(fnmatch.fnmatchcase(rel, pattern) for pattern in self.exclude)


def _matches(code: str, patterns) -> bool:
    name = registry()[code].name if code in registry() else ""
    for pattern in patterns:
        if pattern in ("all", code, name) or (pattern.endswith("*") and code.startswith(pattern[:-1])):
            return True
    return False


def find(start: Path) -> Path | None:
    """The settings file that governs `start` (a directory), if any."""
    directory = start.resolve()
    while True:
        candidate = directory / ".mscc.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if (directory / ".git").exists() or directory.parent == directory:
            return None
        directory = directory.parent


def _has_tool_table(pyproject: Path) -> bool:
    # A cheap textual look first, so that a pyproject.toml without [tool.mscc] is not parsed.
    try:
        text = read_regular(pyproject, MAX_BYTES).decode("utf-8")
        return re.search(r"^\s*\[tool\.mscc[\].]", text, re.M) is not None
    except (OSError, UnicodeDecodeError):
        return False


def load(path: Path | None = None, start: Path | None = None) -> tuple[Settings, list[Diagnostic], SourceFile | None]:
    """Settings from `path`, or from the file found upwards of `start` (default: the cwd)."""
    if path is None:
        path = find(start or Path.cwd())
        if path is None:
            return Settings(), [], None
    display = _display(path)
    try:
        data = read_regular(path, MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise OSError(f"larger than {MAX_BYTES} bytes")
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return Settings(), [diag(codes.BAD_SETTINGS, Span.point(display), f"cannot read settings: {err}")], None
    source = SourceFile(display, text)
    settings, problems = parse(text, display, is_pyproject=Path(path).name == "pyproject.toml",
                               root=str(Path(path).resolve().parent))
    return settings, problems, source


def parse(text: str, display: str, *, is_pyproject: bool, root: str | None = None) -> tuple[Settings, list[Diagnostic]]:
    import tomllib

    from mscc.suggest import reset_budget

    reset_budget()
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line, column = _toml_position(str(err), text)
        return Settings(display), [diag(codes.BAD_SETTINGS, Span.point(display, line, column),
                                        f"not valid TOML: {str(err).split(' (at')[0]}")]
    tool = doc.get("tool", {}) if is_pyproject else {}
    table = (tool.get("mscc", {}) if isinstance(tool, dict) else None) if is_pyproject else doc
    problems: list[Diagnostic] = []
    if not isinstance(table, dict):
        return Settings(display), [diag(codes.BAD_SETTINGS, _key_span(text, display, "mscc"),
                                        "[tool.mscc] must be a table")]

    def bad(key: str, message: str, hint: str | None = None) -> None:
        problems.append(diag(codes.BAD_SETTINGS, _key_span(text, display, key), message, hint))

    values: dict = {"path": display, "root": root}
    from mscc.suggest import did_you_mean

    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        if key not in KEYS:
            bad(raw_key, f"unknown setting '{raw_key}'", did_you_mean(key, KEYS) or "settings: " + ", ".join(KEYS))
            continue
        if key in ("disable", "enable", "exclude"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                bad(raw_key, f"'{raw_key}' must be a list of strings")
                continue
            if key != "exclude":
                for pattern in value:
                    _check_code(pattern, raw_key, bad)
            values[key] = tuple(value)
        elif key == "severity":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                bad(raw_key, "'severity' must be a table of code = \"error\" | \"warning\" | \"note\"")
                continue
            pairs = []
            for pattern, level in value.items():
                if _check_code(pattern, raw_key, bad) and level not in SEVERITIES:
                    bad(raw_key, f"severity of {pattern} must be error, warning or note, not {level!r}")
                elif level in SEVERITIES:
                    pairs.append((pattern, SEVERITIES[level]))
            values["severity"] = tuple(pairs)
        elif key == "fail-on":
            if not isinstance(value, str) or value not in SEVERITIES:
                bad(raw_key, f"'fail-on' must be error, warning or note, not {value!r}")
            else:
                values["fail_on"] = SEVERITIES[value]
        elif key == "format":
            if not isinstance(value, str) or value not in REPORTERS:
                bad(raw_key, f"unknown format {value!r}", did_you_mean(str(value), REPORTERS))
            else:
                values["format"] = value
        elif key in ("arch", "release"):
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}", value):
                bad(raw_key, f"'{raw_key}' must be a name such as \"amd64\" or \"14.3\", not {value!r}")
            else:
                values[key] = value
        elif key == "memory":
            memory = parse_memory(value)
            if memory is None:
                bad(raw_key, f"'memory' must be a size such as \"16GiB\", not {value!r}")
            else:
                values["memory"] = memory
    return Settings(**values), problems


def parse_memory(value) -> int | None:
    from mscc.units import parse_size

    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        size = parse_size(value.strip())
        return size if size else None
    return None


def _check_code(pattern: str, key: str, bad) -> bool:
    known = registry()
    names = {c.name for c in known.values()}
    if pattern == "all" or pattern in known or pattern in names:
        return True
    if pattern.endswith("*") and any(c.startswith(pattern[:-1]) for c in known):
        return True
    from mscc.suggest import did_you_mean

    bad(key, f"unknown code '{pattern}' in '{key}'", did_you_mean(pattern, list(known) + sorted(names))
        or "see `mscc codes`")
    return False


def _key_span(text: str, display: str, key: str) -> Span:
    """The line that sets `key` (TOML parsers keep no positions; a textual search is enough
    to point the user at the right line)."""
    table = re.search(r"^\[tool\.mscc[^\]]*\]", text, re.M)
    key_at = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=", re.M)
    match = key_at.search(text, table.end() if table else 0) or table  # the key in [tool.mscc], not elsewhere
    if match is None:
        return Span.point(display)
    line = text.count("\n", 0, match.start()) + 1
    start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return Span(display, line, column, line, column + len(key))


def _toml_position(message: str, text: str) -> tuple[int, int]:
    match = re.search(r"line (\d+), column (\d+)", message)
    if match:
        return int(match.group(1)), int(match.group(2))
    if "end of document" in message:
        lines = text.split("\n")
        return len(lines), len(lines[-1]) + 1
    return 1, 1


def _display(path: Path) -> str:
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel
