"""`mscc bench --compare A.json B.json` (mscc/cli/verify.py): two bench.sh outputs side by side,
with B/A ratios.

A ratio is printed only when both figures are exact (a size: min = max = value) or have 3
or more repetitions whose ranges (min..max) do not overlap; otherwise the spread makes the
ratio meaningless and the column says why instead."""

from __future__ import annotations

import json
from pathlib import Path

MIN_REPETITIONS = 3


def load(path: Path) -> dict[str, dict]:
    """metric → figure, from bench.sh's JSON lines (or a JSON list of the same objects)."""
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
        figures = doc if isinstance(doc, list) else [doc]
    except json.JSONDecodeError:
        figures = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {str(f["metric"]): f for f in figures if isinstance(f, dict) and "metric" in f}


def ratio(a: dict, b: dict) -> str:
    if isinstance(a.get("items"), list) or isinstance(b.get("items"), list):
        return difference(a, b)
    if a.get("value") is None or b.get("value") is None:
        return "-"
    exact = all(f.get("min") == f.get("max") == f["value"] for f in (a, b))  # a size, not a timing
    if not exact and min(a.get("repetitions") or 0, b.get("repetitions") or 0) < MIN_REPETITIONS:
        return f"- (fewer than {MIN_REPETITIONS} runs)"
    if not exact and not (a["max"] < b["min"] or b["max"] < a["min"]):
        return "- (ranges overlap)"
    if not a["value"]:
        return "-"
    return f"{b['value'] / a['value']:.2f}x"


def difference(a: dict, b: dict) -> str:
    """What listing B adds to listing A and what it lacks."""
    if not (isinstance(a.get("items"), list) and isinstance(b.get("items"), list)):
        return "-"
    mine, theirs = set(map(str, a["items"])), set(map(str, b["items"]))
    parts = [f"{label} {', '.join(sorted(names))}" for label, names in (("B adds", theirs - mine),
                                                                          ("B lacks", mine - theirs)) if names]
    return "; ".join(parts) or "same"


def _cell(f: dict | None) -> str:
    if f is None or f.get("value") is None:
        return "-"
    if isinstance(f.get("items"), list):
        return ", ".join(map(str, f["items"])) or "none"
    runs = f.get("repetitions") or 0
    same = f.get("min") == f.get("max") == f["value"]
    spread = "" if runs <= 1 else f" [n={runs}]" if same else f" [{f['min']}..{f['max']}, n={runs}]"
    return f"{f['value']} {f.get('unit', '')}{spread}".strip()


def table(a: dict[str, dict], b: dict[str, dict], names: tuple[str, str]) -> list[str]:
    rows = [("metric", *names, "B/A")]
    for metric in list(a) + [m for m in b if m not in a]:
        fa, fb = a.get(metric), b.get(metric)
        rows.append((metric, _cell(fa), _cell(fb), ratio(fa, fb) if fa and fb else "-"))
    cells = [[cell.replace("|", "\\|") for cell in row] for row in rows]  # a cell never splits a column
    widths = [max(len(r[i]) for r in cells) for i in range(4)]
    line = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells]
    return [line[0], "|" + "|".join("-" * (w + 2) for w in widths) + "|", *line[1:]]
