"""The lima backend against a stub limactl (tests/run/stub_limactl.py) that asserts the
argument sequence: list --json → create → start --timeout → shell --workdir / NAME -- sh -c …
→ stop, or delete with --rm; one instance per target OS, reused across its jobs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from runfixtures import FAIL, PASS, write_job

from mscc.run import report as reports
from mscc.cli.run import run

STUB = Path(__file__).with_name("stub_limactl.py")


@pytest.fixture
def lima(tmp_path, monkeypatch):
    state = tmp_path / "lima"
    state.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "limactl").write_text(f"#!{sys.executable}\nexec(open({str(STUB)!r}).read())\n")
    (bin_dir / "limactl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{monkeypatch.delenv('PATH', raising=False) or ''}/usr/bin:/bin")
    monkeypatch.setenv("STUB_LIMA_DIR", str(state))
    return state


def calls(state: Path) -> list[list[str]]:
    return [json.loads(line) for line in (state / "calls.jsonl").read_text().splitlines()]


def shape(call: list[str]) -> str:
    """A call without the scripts: "shell mscc-alpine", "start --timeout=600s mscc-alpine"."""
    if call[1] == "shell":
        return f"shell {call[4]}"
    return " ".join(call[1:]).replace(str(Path.cwd()), ".")


def invoke(tmp_path, out, *args):
    results = tmp_path / "results"
    result = CliRunner().invoke(run, [str(out), "--backend", "lima", "--results", str(results), *args],
                                catch_exceptions=False)
    doc = json.loads((results / "report.json").read_text())
    assert reports.validate(doc) == []
    return result, doc


def with_lima_yaml(out, profile, script):
    return write_job(out, profile, "alpine", script, {"lima.yaml": "vmType: vz\n"})


def test_lima_sequence_one_instance_per_os(tmp_path, lima):
    out = tmp_path / "out"
    with_lima_yaml(out, "p", PASS)
    with_lima_yaml(out, "q", FAIL)
    result, doc = invoke(tmp_path, out, "--keep-going")
    assert result.exit_code == 1, result.output
    assert [j["status"] for j in doc["jobs"]] == ["passed", "failed"]
    assert doc["jobs"][1]["exit_code"] == 7
    assert len(doc["jobs"][0]["artifacts"]) == 2
    sequence = [shape(c) for c in calls(lima)]
    assert sequence[:3] == ["list --json", f"create --name=mscc-alpine {out}/p/alpine/lima.yaml",
                            "start --timeout=600s mscc-alpine"]
    assert set(sequence[3:-2]) == {"shell mscc-alpine"}
    assert sequence[-2:] == ["list --json", "stop mscc-alpine"]
    assert doc["consoles"] == ["logs/console-mscc-alpine-serial.log"]
    assert (tmp_path / "results" / doc["consoles"][0]).read_text().startswith("[    0.000000] Booting")
    # The instance persists (stopped) and is reused: no second create, and --rm deletes it.
    (lima / "calls.jsonl").unlink()
    result, doc = invoke(tmp_path, out, "--only", "p", "--rm", "--boot-timeout", "2m")
    assert result.exit_code == 0, result.output
    sequence = [shape(c) for c in calls(lima)]
    assert sequence[:2] == ["list --json", "start --timeout=120s mscc-alpine"]
    assert sequence[-1] == "delete --force mscc-alpine"


def test_lima_boot_is_retried_once(tmp_path, lima, monkeypatch):
    out = tmp_path / "out"
    with_lima_yaml(out, "p", PASS)
    monkeypatch.setenv("STUB_LIMA_FAIL_START", "1")
    result, _ = invoke(tmp_path, out)
    assert result.exit_code == 0, result.output
    assert [shape(c) for c in calls(lima)].count("start --timeout=600s mscc-alpine") == 1 + 1
    assert "stop --force mscc-alpine" in [shape(c) for c in calls(lima)]


def test_lima_boot_failure_is_an_infrastructure_error(tmp_path, lima, monkeypatch):
    out = tmp_path / "out"
    with_lima_yaml(out, "p", PASS)
    monkeypatch.setenv("STUB_LIMA_FAIL_START", "5")
    result, doc = invoke(tmp_path, out)
    assert result.exit_code == 3, result.output
    assert doc["jobs"][0]["status"] == "infra-error" and "did not start" in doc["jobs"][0]["reason"]


def test_lima_without_lima_yaml_or_limactl(tmp_path, lima, monkeypatch):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", PASS)
    result, doc = invoke(tmp_path, out)
    assert result.exit_code == 3 and "no lima.yaml" in doc["jobs"][0]["reason"]
    monkeypatch.setenv("PATH", "/nonexistent")
    result, doc = invoke(tmp_path, out)
    assert result.exit_code == 3 and "limactl is not installed" in doc["jobs"][0]["reason"]
