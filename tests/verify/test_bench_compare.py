"""mscc bench --compare: ratios only where the spread allows one."""

from __future__ import annotations

import json

from mscc.verify.compare import ratio


def fig(value, lo, hi, n=5):
    return {"metric": "m", "value": value, "unit": "s", "repetitions": n, "min": lo, "max": hi}


def test_ratio_rules():
    assert ratio(fig(0.5, 0.45, 0.55), fig(0.25, 0.2, 0.3)) == "0.50x"
    assert ratio(fig(2.0, 1.5, 2.5), fig(1.8, 1.6, 2.1)) == "- (ranges overlap)"
    assert ratio(fig(2.0, 1.9, 2.1, 2), fig(1.0, 0.9, 1.1, 2)) == "- (fewer than 3 runs)"
    assert ratio(fig(12, 12, 12, 1), fig(8, 8, 8, 1)) == "0.67x"  # sizes are exact
    assert ratio(fig(None, None, None, 0), fig(8, 8, 8, 1)) == "-"


def test_cli_table(run_cli, tmp_path):
    a, b = tmp_path / "stock.json", tmp_path / "mscc.json"
    a.write_text(json.dumps(fig(0.5, 0.45, 0.55) | {"metric": "pool_create"}) + "\n")
    b.write_text(json.dumps([fig(0.25, 0.2, 0.3) | {"metric": "pool_create"}]))
    r = run_cli("bench", "--compare", a, b)
    assert r.exit_code == 0
    header = [cell.strip() for cell in r.output.splitlines()[0].split("|")[1:4]]
    assert header == ["metric", "stock.json", "mscc.json"]
    assert "0.50x" in r.output


def test_cli_unreadable_result_is_an_error_not_a_traceback(run_cli, tmp_path):
    a = tmp_path / "a.json"
    a.write_text("{not json")
    r = run_cli("bench", "--compare", a, a)
    assert r.exit_code == 1 and "cannot read a bench result" in r.output and "Traceback" not in r.output
