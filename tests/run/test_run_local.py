"""The runner's core with the dry-run and local backends: discovery, every job status, exit
codes, logs, report.json against its schema, resume, and Ctrl-C leaving nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from runfixtures import (
    FAIL,
    HANG,
    PASS,
    REPO,
    SILENT,
    SYNTAX_ERROR,
    leftovers,
    write_job,
)
from runfixtures import new_mark

from mscc.cli.run import parse_duration, run
from mscc.run import report as reports
from mscc.run.jobs import discover, select


# Not in a tests/run/conftest.py: a second conftest module would shadow tests/conftest.py for
# the modules that import from it (`from conftest import ...`) under pytest -n.
@pytest.fixture
def mark() -> str:
    return new_mark()


def invoke(*args: str):
    return CliRunner().invoke(run, list(args), catch_exceptions=False)


def load(results: Path) -> dict:
    doc = json.loads((results / "report.json").read_text())
    assert reports.validate(doc) == []
    return doc


def test_discovery_keeps_only_safe_jobs(tmp_path):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", PASS)
    write_job(out, "p", "freebsd", PASS)
    bad = write_job(out, "q", "alpine", PASS)
    manifest = json.loads((bad / "manifest.json").read_text())
    manifest["files"][0]["path"] = "../../../etc/passwd"
    (bad / "manifest.json").write_text(json.dumps(manifest))
    (out / "r" / "netbsd").mkdir(parents=True)
    (out / "r" / "netbsd" / "manifest.json").write_text("{not json")
    mismatch = write_job(out, "s", "alpine", PASS)
    (mismatch / "manifest.json").write_text((mismatch / "manifest.json").read_text().replace('"alpine"', '"openbsd"'))
    no_script = write_job(out, "t", "alpine", PASS)
    (no_script / "manifest.json").write_text(json.dumps({"files": [], "profile": "t", "target": "alpine"}))
    found = discover(out)
    assert [j.name for j in found.jobs] == ["p/alpine", "p/freebsd"]
    assert len(found.problems) == 3 and all("skipped" in p for p in found.problems)
    assert [j.name for j in select(found.jobs, ("/freebsd",))[0]] == ["p/freebsd"]
    assert select(found.jobs, ("nope/alpine",))[1] == ["nope/alpine"]


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("30m", 1800), ("6h", 21600), ("1h30m", 5400),
                                           ("2.5", 2.5)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "5x", "-1s", "h", "99d"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_usage_errors_exit_2(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert invoke(str(out)).exit_code == 2  # no jobs
    write_job(out, "p", "alpine", PASS)
    assert invoke(str(out), "--env", "1BAD=x").exit_code == 2
    assert invoke(str(out), "--env", "HOME=/x").exit_code == 2
    assert invoke(str(out), "--timeout", "soon").exit_code == 2
    assert invoke(str(out), "--only", "p/openbsd").exit_code == 2
    assert invoke(str(tmp_path / "missing")).exit_code == 2
    bogus = tmp_path / "old.json"
    bogus.write_text("{}")
    assert invoke(str(out), "--resume", str(bogus)).exit_code == 2


def test_dry_run_checks_every_script(tmp_path):
    out = tmp_path / "out"
    write_job(out, "good", "alpine", PASS, {"zfs-setup.sh": "#!/bin/sh\necho ok\n"})
    write_job(out, "bad", "alpine", PASS, {"zfs-setup.sh": SYNTAX_ERROR})
    results = tmp_path / "results"
    result = invoke(str(out), "--results", str(results), "--keep-going")
    assert result.exit_code == 1, result.output
    assert "[good/alpine] mscc run: sh -n zfs-setup.sh: ok" in result.output
    assert "bad/alpine: failed" in result.output and "sh -n rejects zfs-setup.sh" in result.output
    doc = load(results)
    assert {j["profile"]: j["status"] for j in doc["jobs"]} == {"bad": "failed", "good": "passed"}
    assert doc["backend"] == {"name": "dry-run"}
    assert not (results / "work").exists()  # nothing ran


def test_local_pass_collects_only_declared_artifacts(tmp_path):
    out = tmp_path / "out"
    job_dir = write_job(out, "p", "alpine", PASS)
    before = {p: p.read_bytes() for p in job_dir.rglob("*") if p.is_file()}
    results = tmp_path / "results"
    result = invoke(str(out), "--backend", "local", "--results", str(results), "--env", "PROFILE_NAME=p 'q' $x")
    assert result.exit_code == 0, result.output
    assert "[p/alpine] building p 'q' $x" in result.output
    assert "==> [1/1] p/alpine: build" in result.output
    doc = load(results)
    (job,) = doc["jobs"]
    assert job["status"] == "passed" and job["exit_code"] == 0
    assert sorted(a["path"] for a in job["artifacts"]) == ["build-virt/.config", "build-virt/arch/arm64/boot/Image"]
    image = next(a for a in job["artifacts"] if a["path"].endswith("Image"))
    assert image["size"] == len(b"kernel image\n") and (results / image["stored"]).read_bytes() == b"kernel image\n"
    assert not (results / "artifacts" / "p-alpine" / "build-virt" / "scratch").exists()
    assert set(job["phases"]) == {"sync-in", "build", "sync-out"}
    assert (results / job["log"]).read_text().startswith("building")
    assert not (results / "work" / "p-alpine").exists()
    # The runner never edits generated files.
    assert {p: p.read_bytes() for p in job_dir.rglob("*") if p.is_file()} == before


def test_local_environment_is_explicit_and_stdin_is_empty(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", "#!/bin/sh\nenv | sort\nif read -r line; then echo \"stdin: $line\"; "
              "else echo 'stdin: empty'; fi\n")
    monkeypatch.setenv("MSCC_SHOULD_NOT_LEAK", "1")
    results = tmp_path / "results"
    result = invoke(str(out), "--backend", "local", "--results", str(results), "--env", "JOBS=3")
    assert result.exit_code == 0, result.output
    lines = (results / "logs" / "p-alpine.log").read_text().splitlines()
    names = {line.split("=", 1)[0] for line in lines if "=" in line}
    assert names <= {"HOME", "PATH", "LC_ALL", "JOBS", "PWD", "OLDPWD", "SHLVL", "_"}, names
    assert "JOBS=3" in lines and "stdin: empty" in lines


def test_local_failure_shows_the_last_30_lines(tmp_path):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", FAIL)
    write_job(out, "q", "alpine", PASS)
    results = tmp_path / "results"
    result = invoke(str(out), "--backend", "local", "--results", str(results))
    assert result.exit_code == 1
    assert "--- p/alpine: last 30 lines of" in result.output
    tail = result.output.split("--- p/alpine: last 30 lines")[1].split("--- end")[0]
    assert "line 12" in tail and "line 11\n" not in tail and "something broke" in tail
    assert "not run: q/alpine" in result.output
    doc = load(results)
    assert doc["jobs"][0]["exit_code"] == 7 and doc["not_run"] == ["q/alpine"] and doc["exit_code"] == 1


def test_local_timeouts_kill_the_whole_tree(tmp_path, mark):
    out = tmp_path / "out"
    write_job(out, "hang", "alpine", HANG.replace("MARK", mark))
    write_job(out, "silent", "alpine", SILENT.replace("MARK", mark))
    results = tmp_path / "results"
    began = time.monotonic()
    result = invoke(str(out), "--backend", "local", "--results", str(results), "--keep-going",
                    "--timeout", "2s", "--no-output-timeout", "1s")
    assert time.monotonic() - began < 15
    assert result.exit_code == 1, result.output
    assert "hang/alpine: timeout in" in result.output and "still running after 2 s" in result.output
    assert "silent/alpine: timeout in" in result.output and "no output for 1 s" in result.output
    assert leftovers(mark) == []
    for job in load(results)["jobs"]:
        assert job["status"] == "timeout" and job["exit_code"] is None
        assert job["still_alive"] == "still alive: none"


def test_resume_skips_passed_jobs_and_reruns_the_rest(tmp_path):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", PASS)
    write_job(out, "q", "alpine", FAIL)
    results = tmp_path / "results"
    first = invoke(str(out), "--backend", "local", "--results", str(results), "--keep-going")
    assert first.exit_code == 1
    report = results / "report.json"
    old = results / "old.json"
    old.write_bytes(report.read_bytes())
    second = invoke(str(out), "--backend", "local", "--results", str(results), "--keep-going", "--resume", str(old))
    doc = load(results)
    assert {j["profile"]: j["status"] for j in doc["jobs"]} == {"p": "cached", "q": "failed"}
    assert "[q/alpine] line 1" in second.output and "[p/alpine]" not in second.output
    # Another backend identity or other results-changing options: a different key, so it runs.
    third = invoke(str(out), "--backend", "local", "--results", str(results), "--only", "p",
                   "--resume", str(old), "--env", "JOBS=1")
    assert third.exit_code == 0 and load(results)["jobs"][0]["status"] == "passed"
    # An artifact that no longer verifies: it runs again.
    old.write_bytes(report.read_bytes())
    stored = results / load(results)["jobs"][0]["artifacts"][0]["stored"]
    stored.write_text("tampered")
    fourth = invoke(str(out), "--backend", "local", "--results", str(results), "--only", "p",
                    "--resume", str(old), "--env", "JOBS=1")
    assert fourth.exit_code == 0 and load(results)["jobs"][0]["status"] == "passed"
    # Into another results directory: the artifacts come along and verify there.
    elsewhere = tmp_path / "elsewhere"
    fifth = invoke(str(out), "--backend", "local", "--results", str(elsewhere), "--only", "p",
                   "--resume", str(report), "--env", "JOBS=1", "--format", "json")
    assert fifth.exit_code == 0
    doc = load(elsewhere)
    assert doc["jobs"][0]["status"] == "cached"
    assert all((elsewhere / a["stored"]).is_file() for a in doc["jobs"][0]["artifacts"])


def test_format_json_prints_the_report(tmp_path):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", PASS)
    results = tmp_path / "results"
    done = subprocess.run([sys.executable, "-m", "mscc", "run", str(out), "--results", str(results), "--format",
                           "json"], check=False, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == load(results)
    assert "[p/alpine]" in done.stderr


def test_ctrl_c_kills_the_build_tree_and_writes_the_report(tmp_path, mark):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", HANG.replace("MARK", mark))
    write_job(out, "q", "alpine", PASS)
    results = tmp_path / "results"
    runner = subprocess.Popen([sys.executable, "-m", "mscc", "run", str(out), "--backend", "local",
                               "--results", str(results)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 20
    while len(leftovers(mark)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(leftovers(mark)) == 3
    runner.send_signal(signal.SIGINT)
    output, _ = runner.communicate(timeout=30)
    assert runner.returncode == 130, output
    assert "interrupted" in output and "still alive: none" in output
    assert leftovers(mark) == []
    doc = load(results)
    assert doc["jobs"][0]["status"] == "failed" and doc["not_run"] == ["q/alpine"] and doc["exit_code"] == 130


def test_build_all_compiles_then_runs(tmp_path):
    from mscc.cli.run import build_all

    out, results = tmp_path / "out", tmp_path / "results"
    result = CliRunner().invoke(build_all, [str(REPO / "examples" / "m3.msk"), "--target", "alpine", "-o", str(out),
                                            "--results", str(results)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "wrote " in result.output and "m3/alpine: passed" in result.output
    assert load(results)["jobs"][0]["phases"].keys() == {"check"}
    bad = tmp_path / "bad.msk"
    bad.write_text("profile {")
    assert CliRunner().invoke(build_all, [str(bad), "-o", str(tmp_path / "o2")]).exit_code == 1


def test_build_output_cannot_drive_the_terminal(tmp_path):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", "#!/bin/sh\nprintf 'clear\\033[2J\\rbell\\007 no newline at the end'\n")
    results = tmp_path / "results"
    result = invoke(str(out), "--backend", "local", "--results", str(results))
    assert result.exit_code == 0
    assert "[p/alpine] clear?[2J?bell? no newline at the end" in result.output
    assert "\033" not in result.output
    # The log keeps the bytes as they were.
    assert (results / "logs" / "p-alpine.log").read_bytes().startswith(b"clear\033[2J")
