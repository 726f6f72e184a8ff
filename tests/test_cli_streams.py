"""Where each command prints (mscc/cli/output.py): diagnostics on stdout under every command
that reports them, progress and summary lines on stderr; `mscc fmt` alone reports on stderr,
its stdout being the patch of --diff."""

from __future__ import annotations

import json

import pytest

from mscc import codes
from mscc.check.rules import RULES

CPUS = next(r for r in RULES if r.code == codes.CPUS_EXCEED)


@pytest.mark.parametrize("fmt", ["text", "concise", "json", "sarif", "github"])
def test_compile_reports_on_stdout_and_progress_on_stderr(run_cli, write, tmp_path, fmt):
    r = run_cli("compile", write("p.msk", CPUS.fail), "-t", "freebsd", "-o", tmp_path / "o", "--format", fmt)
    assert r.exit_code == 1
    assert "MS203" in r.stdout and "MS203" not in r.stderr.replace("(MS203)", "")
    assert any(x.startswith("not written: ") and x.endswith("/freebsd (MS203)") for x in r.stderr.splitlines())
    if fmt in ("json", "sarif"):
        json.loads(r.stdout)


def test_the_same_diagnostic_goes_to_the_same_stream_under_compile_and_lint(run_cli, write, tmp_path):
    path = write("p.msk", CPUS.fail)
    compiled = run_cli("compile", path, "-t", "freebsd", "-o", tmp_path / "o", "--format", "concise")
    linted = run_cli("lint", path, "--format", "concise")
    line = next(x for x in compiled.stdout.splitlines() if "MS203" in x)
    assert line in linted.stdout.splitlines()
    assert "MS203" not in linted.stderr


def test_compile_check_reports_on_stdout(run_cli, write, tmp_path):
    r = run_cli("compile", write("p.msk", CPUS.fail), "-t", "freebsd", "-o", tmp_path / "o", "--check",
                "--format", "concise")
    assert r.exit_code == 1 and "MS203" in r.stdout
    assert "not checked: " in r.stderr and "not checked: " not in r.stdout


def test_fmt_reports_on_stderr_keeping_stdout_for_the_patch(run_cli, write):
    r = run_cli("fmt", "--diff", write("broken.msk", "profile p { vm { cpus = } }\n"))
    assert r.exit_code == 1 and r.stdout == "" and "error[" in r.stderr
