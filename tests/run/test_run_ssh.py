"""The ssh backend against a real OpenSSH server started by the test (tests/run/sshd.py):
exit codes, the environment, tar both ways, both timeouts with nothing left running, resume,
and a machine that does not answer (exit 3)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import run_sshd as sshd
from click.testing import CliRunner
from runfixtures import FAIL, HANG, PASS, REPO, SILENT, leftovers, write_job
from runfixtures import new_mark

from mscc.cli.run import run
from mscc.run import report as reports


# Not in a tests/run/conftest.py: a second conftest module would shadow tests/conftest.py for
# the modules that import from it (`from conftest import ...`) under pytest -n.
@pytest.fixture
def mark() -> str:
    return new_mark()

pytestmark = pytest.mark.skipif(sshd.missing() is not None, reason=str(sshd.missing()))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = sshd.start(tmp_path_factory.mktemp("sshd"))
    yield started
    started.stop()


def invoke(server, tmp_path, out, *args):
    results = tmp_path / "results"
    result = CliRunner().invoke(run, [str(out), "--backend", "ssh", *server.options(str(tmp_path / "remote")),
                                      "--results", str(results), *args], catch_exceptions=False)
    doc = json.loads((results / "report.json").read_text()) if (results / "report.json").exists() else None
    if doc is not None:
        assert reports.validate(doc) == []
    return result, doc


def test_ssh_runs_builds_and_copies_back_only_artifacts(server, tmp_path):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", PASS + 'printf "%s|" "$PROFILE_NAME" "$(pwd)"; echo\n')
    write_job(out, "q", "alpine", FAIL)
    write_job(out, "r", "alpine", "#!/bin/sh\necho bye\nexit 255\n")
    odd = "it's \"$HOME\" `x` !\nsecond line"
    result, doc = invoke(server, tmp_path, out, "--keep-going", "--env", f"PROFILE_NAME={odd}")
    assert result.exit_code == 1, result.output
    jobs = {j["profile"]: j for j in doc["jobs"]}
    assert jobs["p"]["status"] == "passed" and jobs["q"]["exit_code"] == 7 and jobs["r"]["exit_code"] == 255
    assert jobs["r"]["status"] == "failed"  # the build's 255, not a connection failure
    assert "[p/alpine] it's \"$HOME\" `x` !" in result.output
    assert f"[p/alpine] second line|{tmp_path}/remote/p-alpine|" in result.output
    assert sorted(a["path"] for a in jobs["p"]["artifacts"]) == ["build-virt/.config",
                                                                "build-virt/arch/arm64/boot/Image"]
    assert (tmp_path / "results" / jobs["p"]["artifacts"][1]["stored"]).read_bytes() == b"kernel image\n"
    assert not (tmp_path / "results" / "artifacts" / "p-alpine" / "build-virt" / "scratch").exists()
    assert jobs["p"]["phases"]["connect"] > 0 and "connect" not in jobs["q"]["phases"]  # one master
    assert "==> [1/3] p/alpine: connect" in result.output
    assert list((tmp_path / "remote").iterdir()) == []  # each job's remote work is removed
    assert doc["backend"]["name"] == "ssh" and doc["backend"]["port"] == server.port


def test_ssh_timeouts_kill_the_remote_tree(server, tmp_path, mark):
    out = tmp_path / "out"
    write_job(out, "hang", "alpine", HANG.replace("MARK", mark))
    write_job(out, "silent", "alpine", SILENT.replace("MARK", mark))
    result, doc = invoke(server, tmp_path, out, "--keep-going", "--timeout", "2s", "--no-output-timeout", "1s")
    assert result.exit_code == 1, result.output
    assert "hang/alpine: timeout in" in result.output and "still running after 2 s" in result.output
    assert "silent/alpine: timeout in" in result.output and "no output for 1 s" in result.output
    assert result.output.count("still alive: none") >= 2
    assert [j["status"] for j in doc["jobs"]] == ["timeout", "timeout"]
    assert leftovers(mark) == []  # the "remote" is this machine: ps sees everything


def test_ssh_resume(server, tmp_path):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", PASS)
    first, _ = invoke(server, tmp_path, out)
    assert first.exit_code == 0, first.output
    second, doc = invoke(server, tmp_path, out, "--resume", str(tmp_path / "results" / "report.json"))
    assert second.exit_code == 0 and doc["jobs"][0]["status"] == "cached"


def test_ssh_unreachable_is_an_infrastructure_error(server, tmp_path):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", PASS)
    results = tmp_path / "results"
    result = CliRunner().invoke(run, [str(out), "--backend", "ssh", "--host", "root@127.0.0.1", "--port",
                                      str(sshd.free_port()), "--identity", str(server.key), "--boot-timeout", "1s",
                                      "--results", str(results)], catch_exceptions=False)
    assert result.exit_code == 3, result.output
    doc = json.loads((results / "report.json").read_text())
    assert doc["jobs"][0]["status"] == "infra-error" and "did not answer ssh" in doc["jobs"][0]["reason"]


@pytest.mark.kernel
def test_build_all_alpine_audit_over_ssh(server, tmp_path, tree, alpine_base_config):
    """`mscc build-all` end to end: compile an example for alpine, then run its real build.sh
    over ssh with AUDIT_ONLY=1 against the Linux 6.12 tree the kernel tests unpack."""
    from mscc.cli.run import build_all

    out, results = tmp_path / "out", tmp_path / "results"
    base = alpine_base_config
    result = CliRunner().invoke(build_all, [
        str(REPO / "examples" / "m3.msk"), "--target", "alpine", "-o", str(out), "--backend", "ssh",
        *server.options(str(tmp_path / "remote")), "--results", str(results),
        "--env", f"KERNEL_SRC={tree}", "--env", f"BASE_CONFIG={base}", "--env", "AUDIT_ONLY=1",
        "--env", f"BUILD_DIR={tmp_path / 'remote-build'}", "--timeout", "20m"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "[m3/alpine] build.sh: audit passed" in result.output
    doc = json.loads((results / "report.json").read_text())
    assert reports.validate(doc) == [] and doc["jobs"][0]["status"] == "passed"


def test_ssh_ctrl_c_kills_the_remote_tree(server, tmp_path, mark):
    out, results = tmp_path / "out", tmp_path / "results"
    write_job(out, "p", "alpine", HANG.replace("MARK", mark))
    runner = subprocess.Popen([sys.executable, "-m", "mscc", "run", str(out), "--backend", "ssh",
                               *server.options(str(tmp_path / "remote")), "--results", str(results)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 30
    while len(leftovers(mark)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(leftovers(mark)) == 3
    runner.send_signal(signal.SIGINT)
    output, _ = runner.communicate(timeout=60)
    assert runner.returncode == 130, output
    assert "interrupted" in output and "still alive: none" in output
    assert leftovers(mark) == []
