"""What the runner makes of verify.sh's and bench.sh's output: the JSON lines they print, folded
into the job's entry of report.json (`verify`, `bench`), and the bench figures stored where
`mscc bench --compare` reads them.

The output comes from the guest, so it is hostile input: a line that is not a record is kept
in the log and counted, never trusted; a line that starts like a record but is not one (a
script that died while printing it) is counted as malformed, and a setting the script should
have reported but did not is missing — neither is ever "ok". Everything is bounded: lines,
records and the length of each value.
"""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

# verify.sh's record (targets/common/templates/verify.sh.j2) and bench.sh's figure
# (bench.sh.j2); tests/run/test_run_verify.py keeps these equal to what the scripts print.
RECORD_KEYS = ("setting", "wanted", "actual", "ok", "how")
FIGURE_KEYS = ("metric", "value", "unit", "method", "repetitions", "min", "max")
FIGURE_EXTRA = ("items",)    # a listing (what is present, e.g. the virtio drivers), when bench.sh has one
MAX_ITEMS = 1000             # entries of one listing stored
MAX_KEPT_BYTES = 8 << 20     # output kept for folding; the log keeps everything
MAX_LINE_BYTES = 1 << 16     # a longer line is cut (and so cannot be a record)
MAX_RECORDS = 5000           # records stored in report.json (the rest are counted)
MAX_TEXT = 2048              # characters of one value stored in report.json
MAX_NAMED = 5                # settings named in a one-line reason
MAX_SCRIPT_BYTES = 4 << 20   # verify.sh read to learn which settings it checks
FIGURES_DIR = "figures"      # RESULTS/figures/PROFILE-TARGET.json: what `bench --compare` reads


@dataclass
class Output:
    """A script's own output (not the runner's notes), split into lines as it arrives."""

    lines: list[str] = field(default_factory=list)
    dropped: int = 0             # lines past MAX_KEPT_BYTES: in the log, not folded
    _partial: bytes = b""
    _kept: int = 0

    def feed(self, chunk: bytes) -> None:
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        for raw in complete:
            self._keep(raw)
        if len(self._partial) > MAX_LINE_BYTES:
            self._keep(self._partial)
            self._partial = b""

    def close(self) -> list[str]:
        if self._partial:
            self._keep(self._partial)
            self._partial = b""
        return self.lines

    def _keep(self, raw: bytes) -> None:
        raw = raw[:MAX_LINE_BYTES]
        if self._kept + len(raw) > MAX_KEPT_BYTES:
            self.dropped += 1
            return
        self._kept += len(raw)
        self.lines.append(raw.decode("utf-8", "replace").rstrip("\r"))


def _text(value: str) -> str:
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _json_object(line: str) -> dict[str, Any] | None:
    """The JSON object LINE holds, or None (not JSON, or not an object)."""
    try:
        doc = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


def record(line: str) -> dict[str, Any] | None:
    """A verify.sh record, its values cut to MAX_TEXT; None when LINE is not one."""
    doc = _json_object(line)
    if doc is None or set(doc) != set(RECORD_KEYS) or not isinstance(doc["ok"], bool):
        return None
    if not all(isinstance(doc[k], str) for k in RECORD_KEYS if k != "ok"):
        return None
    return {k: doc[k] if k == "ok" else _text(doc[k]) for k in RECORD_KEYS}


def figure(line: str) -> dict[str, Any] | None:
    """A bench.sh figure (metric and value required, the rest typed when present); None when
    LINE is not one."""
    doc = _json_object(line)
    if doc is None or not isinstance(doc.get("metric"), str) or "value" not in doc:
        return None
    kept: dict[str, Any] = {}
    for key in (*FIGURE_KEYS, *FIGURE_EXTRA):
        if key not in doc:
            continue
        value = doc[key]
        if key in ("metric", "unit", "method"):
            ok = isinstance(value, str)
            value = _text(value) if ok else value
        elif key == "repetitions":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        elif key == "items":
            ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
            value = [_text(item) for item in value[:MAX_ITEMS]] if ok else value
        else:
            ok = value is None or _number(value)
        if not ok:
            return None
        kept[key] = value
    return kept


def _read(output: Output, parse: Callable[[str], dict[str, Any] | None]) -> tuple[list[dict[str, Any]], int, int]:
    """The objects PARSE accepts among the script's lines, how many lines started like one but
    were not (malformed), and how many were other output (kept in the log only)."""
    found: list[dict[str, Any]] = []
    malformed = other = 0
    for line in output.close():
        parsed = parse(line)
        if parsed is not None:
            found.append(parsed)
        elif line.lstrip().startswith("{"):
            malformed += 1
        else:
            other += 1
    return found, malformed, other


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMED])
    return shown + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")


# --- verify.sh -----------------------------------------------------------------------------

def expected_settings(script: Path) -> list[str] | None:
    """The settings verify.sh checks, read from its `check SETTING WANTED …` calls (one per
    setting, as the template writes them); None when the script cannot be read that way."""
    try:
        if script.stat().st_size > MAX_SCRIPT_BYTES:
            return None
        lines = script.read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    settings = []
    for start, line in enumerate(lines):
        if not line.startswith("check "):
            continue
        # a quoted value may hold a newline: take lines until the call is complete
        for end in range(start + 1, min(len(lines), start + 64) + 1):
            try:
                words = shlex.split("\n".join(lines[start:end]), comments=False, posix=True)
                break
            except ValueError:
                continue
        else:
            return None
        if len(words) < 6:
            return None
        settings.append(words[1])
    return settings or None


@dataclass
class Folded:
    """A fold's result: the report's object, why the job did not pass (empty when it did),
    and whether that reason says it all (the log's tail adds nothing)."""

    summary: dict[str, Any]
    problem: str = ""
    explained: bool = False


def fold_verify(output: Output, exit_code: int | None, expected: list[str] | None,
                script: str = "verify.sh") -> Folded:
    """verify.sh's records folded into the job's `verify` object. EXIT_CODE None: the script
    did not end by itself (timeout, Ctrl-C, lost connection)."""
    records, malformed, other = _read(output, record)
    failing = [r for r in records if not r["ok"]]
    reported = {r["setting"] for r in records}
    missing = [s for s in expected if s not in reported] if expected is not None else []
    problems = []
    if exit_code is not None and exit_code not in (0, 1):
        problems.append(f"{script} stopped with status {exit_code} after {len(records)} record(s)")
    if failing:
        problems.append(f"{len(failing)} setting(s) do not hold: {_names([r['setting'] for r in failing])}")
    if missing:
        problems.append(f"no record for {len(missing)} setting(s): {_names(missing)}")
    if malformed:
        problems.append(f"{malformed} line(s) start like a record but are not one (see the log)")
    if output.dropped:
        problems.append(f"{output.dropped} line(s) past the first {MAX_KEPT_BYTES >> 20} MiB were not read")
    if exit_code is not None and not records:
        problems.append(f"{script} printed no record")
    if exit_code == 1 and not failing and not problems:
        problems.append(f"{script} exited with status 1, but every record it printed holds")
    if exit_code == 0 and failing:
        problems.append(f"{script} exited with status 0 although a setting does not hold")
    if expected is None and exit_code is not None:
        problems.append(f"which settings {script} checks could not be read from it: missing records go unnoticed")
    ok = exit_code == 0 and not problems
    summary: dict[str, Any] = {
        "ok": ok,
        "counts": {"expected": len(expected) if expected is not None else None, "reported": len(records),
                   "hold": len(records) - len(failing), "differ": len(failing), "missing": len(missing),
                   "malformed": malformed, "other_lines": other},
        "failing": failing[:MAX_RECORDS],
        "missing": missing[:MAX_RECORDS],
        "records": records[:MAX_RECORDS],
    }
    if len(records) > MAX_RECORDS:
        summary["truncated"] = True
    # "settings differ" is the whole story when the script ran to its end: no tail needed
    explained = exit_code == 1 and bool(failing) and len(problems) == 1
    return Folded(summary, "; ".join(problems), explained)


# --- bench.sh ------------------------------------------------------------------------------

def fold_bench(output: Output, exit_code: int | None, results: Path, slug: str,
               script: str = "bench.sh") -> Folded:
    """bench.sh's figures: stored as a JSON list in RESULTS/figures/SLUG.json (the form `mscc
    bench --compare` reads) and folded into the job's `bench` object."""
    figures, malformed, other = _read(output, figure)
    stored = None
    if figures:
        stored = f"{FIGURES_DIR}/{slug}.json"
        (results / FIGURES_DIR).mkdir(parents=True, exist_ok=True)
        (results / stored).write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n", "utf-8")
    problems = []
    if exit_code is not None and exit_code != 0:
        problems.append(f"{script} stopped with status {exit_code} after {len(figures)} figure(s)")
    if exit_code is not None and not figures:
        problems.append(f"{script} printed no figure")
    if malformed:
        problems.append(f"{malformed} line(s) start like a figure but are not one (see the log)")
    if output.dropped:
        problems.append(f"{output.dropped} line(s) past the first {MAX_KEPT_BYTES >> 20} MiB were not read")
    summary: dict[str, Any] = {
        "ok": exit_code == 0 and not problems,
        "file": stored,
        "counts": {"figures": len(figures), "measured": sum(f["value"] is not None for f in figures),
                   "malformed": malformed, "other_lines": other},
        "figures": figures[:MAX_RECORDS],
    }
    if len(figures) > MAX_RECORDS:
        summary["truncated"] = True
    return Folded(summary, "; ".join(problems))


# --- what a person watching sees ------------------------------------------------------------

def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def describe_record(found: dict[str, Any]) -> str:
    if found["ok"]:
        return f"ok   {found['setting']}: {_quoted(found['actual'])}"
    return f"FAIL {found['setting']}: wanted {_quoted(found['wanted'])}, actual {_quoted(found['actual'])}"


def describe_figure(found: dict[str, Any]) -> str:
    value = found.get("value")
    if value is None:
        return f"{found['metric']}: not measured ({found.get('method', '')})"
    if "items" in found:
        return f"{found['metric']}: {', '.join(found['items']) or 'none'}"
    spread = ""
    if (found.get("repetitions") or 0) > 1:
        spread = f" [{found.get('min')}..{found.get('max')}, n={found['repetitions']}]"
    return f"{found['metric']}: {value} {found.get('unit', '')}{spread}"


def shown(task: str, line: str) -> str:
    """How a line of TASK's output is shown live: a record or figure in words, anything else
    as it is (the console makes every line printable)."""
    if task == "verify":
        found = record(line)
        return describe_record(found) if found else line
    if task == "bench":
        fig = figure(line)
        return describe_figure(fig) if fig else line
    return line


def conclusions(doc: dict[str, Any], results: Path, task: str) -> list[str]:
    """What a finished verify or bench run tells its reader, after the live lines: for verify
    one line per setting that does not hold (wanted vs actual) or has no record; for bench
    where each job's figures are and how to compare them."""
    lines = []
    for job in doc["jobs"]:
        name = f"{job['profile']}/{job['target']}"
        if task == "verify" and job.get("verify"):
            folded = job["verify"]
            for found in folded["failing"]:
                lines.append(f"{name}: {found['setting']}: wanted {_quoted(found['wanted'])}, "
                             f"actual {_quoted(found['actual'])} (read with: {found['how']})")
            for setting in folded["missing"]:
                lines.append(f"{name}: {setting}: no record (the script checks it but printed nothing for it)")
            counts = folded["counts"]
            if counts["malformed"]:
                lines.append(f"{name}: {counts['malformed']} line(s) start like a record but are not one "
                             f"(kept in {results / job['log']})")
            total = counts["expected"] if counts["expected"] is not None else counts["reported"]
            verdict = (f"all {total} settings hold" if folded["ok"]
                       else f"{counts['hold']} of {total} settings hold: NOT what the profile asks for")
            lines.append(f"{name}: verify: {verdict}")
        elif task == "bench" and job.get("bench"):
            folded = job["bench"]
            where = f"in {results / folded['file']}" if folded["file"] else "(none stored)"
            lines.append(f"{name}: bench: {folded['counts']['figures']} figure(s), "
                         f"{folded['counts']['measured']} measured, {where}")
    if task == "bench" and any((j.get("bench") or {}).get("file") for j in doc["jobs"]):
        lines.append("compare two runs: mscc bench --compare A.json B.json (each a figures/*.json)")
    return lines


def script_name(path: str) -> str:
    return PurePosixPath(path).name
