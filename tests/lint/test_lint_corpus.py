"""Precision on real-world configuration files (issue 10).

The corpus is other people's files, read where the project keeps it
(`<checkout>/../shared/corpus/real-configs`, never copied into the project). Every finding
mscc reported on it, now and before the architecture/release work, is judged in
corpus_verdicts.tsv (TP or FP, with the OS source that proves it). This test fails when

- an error or warning appears that the table does not judge TP (a new false alarm, or an
  unjudged finding: judge it in the table first);
- a finding judged TP is no longer reported (a lost true positive);
- an unmodified upstream config (the OSes' own files) gets an error: pre-commit would reject it.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from conftest import shared_dir

from mscc.diagnostics import Severity
from mscc.lint import lint_paths

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VERDICTS = HERE / "corpus_verdicts.tsv"
# Repositories whose files are the operating systems' own (upstream, unmodified).
UPSTREAM = ("isaki68k/netbsd-src", "Passw/SecBSD-src", "(Debian package linux-source-6.12")


def _corpus() -> Path | None:
    shared = shared_dir()
    candidates = [os.environ.get("MSCC_CORPUS", ""), shared / "corpus/real-configs" if shared else ""]
    return next((Path(c) for c in candidates if c and (Path(c) / "MANIFEST.tsv").is_file()), None)


CORPUS = _corpus()
pytestmark = pytest.mark.skipif(CORPUS is None, reason="corpus ../shared/corpus/real-configs not found")


def _rows() -> list[dict]:
    with open(VERDICTS, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="module")
def findings():
    here = os.getcwd()
    os.chdir(CORPUS)
    try:
        result = lint_paths(["."])
    finally:
        os.chdir(here)
    return result


def _key(file: str, line, code: str) -> tuple:
    return (file, int(line), code)


def test_every_error_and_warning_is_judged_true(findings):
    verdicts = {_key(r["file"], r["line"], r["code"]): r for r in _rows() if r["reported"] == "now"}
    wrong = []
    for d in findings.diagnostics:
        if d.severity < Severity.WARNING:
            continue
        row = verdicts.get(_key(d.span.file, d.span.line, d.code))
        if row is None or row["verdict"] != "TP":
            wrong.append(f"{d.span.file}:{d.span.line} {d.code} {d.message} "
                         f"({'unjudged' if row is None else row['verdict']})")
    assert not wrong, "\n".join(wrong)


def test_no_true_positive_is_lost(findings):
    reported = {_key(d.span.file, d.span.line, d.code) for d in findings.diagnostics}
    lost = [f"{r['file']}:{r['line']} {r['code']} {r['message']}" for r in _rows()
            if r["verdict"] == "TP" and _key(r["file"], r["line"], r["code"]) not in reported]
    assert not lost, "\n".join(lost)


def test_precision_is_at_least_98_percent(findings):
    verdicts = {_key(r["file"], r["line"], r["code"]): r["verdict"] for r in _rows()}
    counted = [verdicts.get(_key(d.span.file, d.span.line, d.code), "FP") for d in findings.diagnostics
               if d.severity >= Severity.WARNING]
    true = counted.count("TP")
    assert counted and true / len(counted) >= 0.98, f"{true} of {len(counted)}"


def test_upstream_configs_pass_a_pre_commit_hook(findings):
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8", newline="") as fh:
        upstream = {r["local_file"] for r in csv.DictReader(fh, delimiter="\t") if r["repo"].startswith(UPSTREAM)}
    assert len(upstream) >= 15
    errors = [f"{d.span.file}:{d.span.line} {d.code} {d.message}" for d in findings.diagnostics
              if d.severity is Severity.ERROR and d.span.file in upstream]
    assert not errors, "\n".join(errors)


def test_a_directory_walk_skips_nothing_silently(findings):
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8", newline="") as fh:
        listed = {r["local_file"] for r in csv.DictReader(fh, delimiter="\t")}
    checked = {path for path, _kind in findings.files}
    assert listed <= checked, sorted(listed - checked)
    assert {path for path, _why in findings.skipped} == {"MANIFEST.tsv", "README.md"}


def test_the_table_says_why_for_every_verdict():
    rows = _rows()
    assert rows and all(r["verdict"] in ("TP", "FP", "NOTE") and r["evidence"].strip() for r in rows)
