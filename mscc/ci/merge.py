"""`mscc run [OUT] --merge-reports PATH…`: many report.json files (one per CI job) → one
Markdown table for `$GITHUB_STEP_SUMMARY`, and an exit status that fails the workflow when any
job did not pass.

Reports are input like any other (an artifact can be tampered with): each is validated against
the runner's schema, and every value shown is escaped for Markdown and HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mscc.run import jobs as joblist
from mscc.run import report as reports

REPORT = "report.json"
MAX_REPORT_BYTES = 16 << 20
MAX_DEPTH = 4            # reports/results-P-T/report.json is depth 2; artifacts lie deeper
MAX_CELL = 160
GOOD = ("passed", "cached")
ICONS = {"passed": "✅", "cached": "♻️", "failed": "❌", "timeout": "⏱️", "infra-error": "⚠️",
         "missing": "❓", "not-run": "⏭️"}


@dataclass
class Row:
    name: str
    status: str
    duration: float | None = None
    artifacts: int = 0
    reason: str = ""


@dataclass
class Merged:
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reports: int = 0

    @property
    def exit_code(self) -> int:
        """0 when every row passed or was cached and every report was readable, else 1."""
        if self.problems or not self.rows:
            return 1
        return 0 if all(r.status in GOOD for r in self.rows) else 1


def find_reports(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Every report.json under PATHS (files or directories), sorted, without following links."""
    found: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_file() and not path.is_symlink():
            found.append(path)
        elif path.is_dir() and not path.is_symlink():
            found.extend(_walk(path, 0))
        else:
            problems.append(f"{path}: not a report.json or a directory")
    return sorted(set(found)), problems


def _walk(directory: Path, depth: int) -> list[Path]:
    if depth > MAX_DEPTH:
        return []
    hits: list[Path] = []
    try:
        children = sorted(directory.iterdir())
    except OSError:
        return []
    for child in children:
        if child.is_symlink():
            continue
        if child.name == REPORT and child.is_file():
            hits.append(child)
        elif child.is_dir():
            hits.extend(_walk(child, depth + 1))
    return hits


def _load(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            return None, f"{path}: larger than 16 MiB"
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        return None, f"{path}: unreadable ({type(err).__name__})"
    if not isinstance(doc, dict):
        return None, f"{path}: not a JSON object"
    errors = reports.validate(doc)
    if errors:
        return None, f"{path}: not an {reports.FORMAT} report ({errors[0]})"
    return doc, None


def merge(paths: list[Path], out: Path | None = None, only: tuple[str, ...] = ()) -> Merged:
    """The jobs of every report under PATHS; with OUT, every job discovered there (or those
    --only selects) that no report mentions is a `missing` row (its CI job died before writing
    a report)."""
    merged = Merged()
    files, merged.problems = find_reports(paths)
    by_name: dict[str, Row] = {}
    for path in files:
        doc, problem = _load(path)
        if doc is None:
            merged.problems.append(problem or f"{path}: unusable")
            continue
        if reports.task_of(doc) != "build":
            continue  # `mscc verify`/`bench` reports (default RESULTS/verify, RESULTS/bench) are not builds
        merged.reports += 1
        for job in doc["jobs"]:
            name = f"{job['profile']}/{job['target']}"
            if name in by_name and by_name[name].status in GOOD:
                continue  # a re-run that passed wins over an earlier failure
            reason = str(job.get("reason", ""))
            if doc["backend"]["name"] == "dry-run":
                reason = reason or "dry-run: checked, nothing built"
            by_name[name] = Row(name, job["status"], float(job["duration"]), len(job["artifacts"]), reason)
        for name in doc["not_run"]:
            if isinstance(name, str):
                by_name.setdefault(name, Row(name, "not-run", reason="not started"))
    if out is not None:
        for job in joblist.select(joblist.discover(out).jobs, only)[0]:
            by_name.setdefault(job.name, Row(job.name, "missing", reason="no report.json from this job"))
    merged.rows = [by_name[name] for name in sorted(by_name) if selected(name, only)]
    return merged


def selected(name: str, only: tuple[str, ...]) -> bool:
    """Whether PROFILE/TARGET matches an --only pattern (PROFILE/TARGET, PROFILE or /TARGET),
    as `mscc run --only` matches jobs."""
    profile, _, target = name.partition("/")
    return not only or any((not p or p == profile) and (not t or t == target)
                           for p, _, t in (pattern.partition("/") for pattern in only))


def cell(text: str) -> str:
    """TEXT as one Markdown table cell: no line breaks, pipes, HTML or runaway length."""
    flat = " ".join(str(text).split())
    if len(flat) > MAX_CELL:
        flat = flat[: MAX_CELL - 1] + "…"
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("`", "'"),
                      ("[", "\\["), ("]", "\\]"), ("*", "\\*"), ("_", "\\_")):
        flat = flat.replace(raw, safe)
    return "".join(ch if ch.isprintable() else "?" for ch in flat)


def markdown(merged: Merged) -> str:
    counts: dict[str, int] = {}
    for row in merged.rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no jobs"
    lines = ["## mscc builds", "",
             f"{summary} — from {merged.reports} report(s).", "",
             "| job | status | time | artifacts | reason |", "|---|---|---:|---:|---|"]
    for row in merged.rows:
        duration = "—" if row.duration is None else f"{row.duration:.0f} s"
        lines.append(f"| {cell(row.name)} | {ICONS.get(row.status, '')} {cell(row.status)} | {duration} "
                     f"| {row.artifacts} | {cell(row.reason)} |")
    if merged.problems:
        lines += ["", "Reports that could not be used:", ""]
        lines += [f"- {cell(problem)}" for problem in merged.problems]
    return "\n".join(lines) + "\n"
