"""`mscc run --plan github`, `mscc run --merge-reports` and `mscc ci collect` on real runner
output: OUT trees from the runner's fixtures, run with `--backend local` as a CI job would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ci_helpers import REPO

sys.path.insert(0, str(REPO / "tests" / "run"))
from runfixtures import FAIL, PASS, mscc, write_job

from mscc.ci.merge import cell
from mscc.ci.plan import PLACEMENTS


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> dict[str, Path]:
    """OUT with four jobs, and one RESULTS per job as the matrix runs them (one job each)."""
    root = tmp_path_factory.mktemp("ci-run")
    out = root / "out"
    write_job(out, "web", "alpine", PASS)
    write_job(out, "web", "netbsd", PASS)
    write_job(out, "db", "freebsd", FAIL)
    write_job(out, "db", "openbsd", PASS)
    paths = {"out": out, "root": root}
    for name in ("web/alpine", "web/netbsd", "db/freebsd"):
        results = root / "reports" / f"results-{name.replace('/', '-')}"
        done = mscc("run", str(out), "--only", name, "--backend", "local", "--results", str(results),
                    "--timeout", "60s")
        assert done.returncode == (1 if name == "db/freebsd" else 0), done.stdout + done.stderr
        paths[name] = results
    return paths


def test_plan_has_one_entry_per_job_with_runner_how_timeout_and_cache_key(ran):
    done = mscc("run", str(ran["out"]), "--plan", "github")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1  # one line, as $GITHUB_OUTPUT takes it
    matrix = json.loads(done.stdout)
    names = [e["name"] for e in matrix["include"]]
    assert names == ["db/freebsd", "db/openbsd", "web/alpine", "web/netbsd"]
    for entry in matrix["include"]:
        placement = PLACEMENTS[entry["target"]]
        assert entry["runner"] == placement.runner and entry["how"] == placement.how
        assert entry["timeout_minutes"] == placement.timeout_minutes <= 360
        assert len(entry["cache_key"]) == 64 and entry["version"] == "3.22"
        assert entry["slug"] == entry["name"].replace("/", "-")
    by_target = {e["target"]: e for e in matrix["include"]}
    assert by_target["alpine"]["runner"] == "ubuntu-24.04-arm"
    assert by_target["freebsd"]["how"] == by_target["openbsd"]["how"] == "vm"
    assert mscc("run", str(ran["out"]), "--plan", "github").stdout == done.stdout  # stable


def test_plan_follows_the_manifest(ran, tmp_path):
    out = tmp_path / "out"
    job = write_job(out, "p", "alpine", PASS)
    first = json.loads(mscc("run", str(out), "--plan", "github").stdout)["include"][0]["cache_key"]
    (job / "build.sh").write_text(PASS + "# changed\n")
    manifest = json.loads((job / "manifest.json").read_text())
    manifest["files"][0]["sha256"] = "0" * 64
    (job / "manifest.json").write_text(json.dumps(manifest))
    second = json.loads(mscc("run", str(out), "--plan", "github").stdout)["include"][0]["cache_key"]
    assert first != second


def test_plan_refuses_what_it_cannot_place(tmp_path):
    out = tmp_path / "out"
    write_job(out, "p", "plan9", PASS)
    done = mscc("run", str(out), "--plan", "github")
    assert done.returncode == 2 and "no CI placement" in done.stderr
    job = write_job(out, "q", "alpine", PASS)
    manifest = json.loads((job / "manifest.json").read_text())
    manifest["version"] = "3.22; rm -rf /"
    (job / "manifest.json").write_text(json.dumps(manifest))
    done = mscc("run", str(out), "--plan", "github")
    assert done.returncode == 2 and "no plain OS version" in done.stderr
    assert mscc("run", str(out), "--plan", "github", "--merge-reports", str(tmp_path)).returncode == 2


def test_merge_makes_one_table_and_fails_on_a_failed_job(ran):
    done = mscc("run", "--merge-reports", str(ran["root"] / "reports"))
    assert done.returncode == 1, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "/" in line]
    assert [r.split("|")[1].strip() for r in rows] == ["db/freebsd", "web/alpine", "web/netbsd"]
    assert "❌ failed" in rows[0] and "✅ passed" in rows[1]
    assert "from 3 report(s)" in done.stdout


def test_merge_with_out_lists_jobs_that_left_no_report(ran):
    done = mscc("run", str(ran["out"]), "--merge-reports", str(ran["web/alpine"]),
                "--merge-reports", str(ran["web/netbsd"]))
    assert done.returncode == 1
    assert "| db/openbsd | ❓ missing |" in done.stdout and "| db/freebsd | ❓ missing |" in done.stdout
    only_good = mscc("run", "--merge-reports", str(ran["web/alpine"] / "report.json"),
                     "--merge-reports", str(ran["web/netbsd"]))
    assert only_good.returncode == 0, only_good.stdout
    selected = mscc("run", str(ran["out"]), "--only", "web", "--merge-reports", str(ran["root"] / "reports"))
    assert selected.returncode == 0 and "db/" not in selected.stdout, selected.stdout


def test_merge_reports_unusable_reports_and_escapes_hostile_text(ran, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "report.json").write_text("{not json")
    hostile = tmp_path / "hostile"
    doc = json.loads((ran["db/freebsd"] / "report.json").read_text())
    doc["jobs"][0]["reason"] = "x | <img src=y onerror=z> [link](javascript:q)\n| forged | row |"
    hostile.mkdir()
    (hostile / "report.json").write_text(json.dumps(doc))
    done = mscc("run", "--merge-reports", str(bad), "--merge-reports", str(hostile),
                "--merge-reports", str(ran["web/alpine"]))
    assert done.returncode == 1
    assert "Reports that could not be used" in done.stdout and "unreadable" in done.stdout
    assert "<img" not in done.stdout and "forged | row" not in done.stdout
    assert done.stdout.count("\n| ") == 3  # the header and the two jobs, one line each
    assert "Traceback" not in done.stderr


def test_merge_of_nothing_fails(tmp_path):
    done = mscc("run", "--merge-reports", str(tmp_path))
    assert done.returncode == 1 and "no jobs" in done.stdout


def test_cells_stay_one_cell():
    assert cell("a|b\nc") == "a\\|b c"
    assert len(cell("x" * 1000)) <= 160


def test_collect_gathers_checked_artifacts_and_sha256sums(ran, tmp_path):
    dist = tmp_path / "dist"
    done = mscc("ci", "collect", str(ran["root"] / "reports"), "-o", str(dist))
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in dist.iterdir())
    # netbsd's declared artifacts are absolute paths under /usr/src, which the fixture never writes
    assert names == ["SHA256SUMS", "web-alpine-Image", "web-alpine-config"]
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=dist, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert (dist / "web-alpine-Image").read_text() == "kernel image\n"


def test_collect_refuses_a_tampered_artifact(ran, tmp_path):
    import shutil

    copy = tmp_path / "reports"
    shutil.copytree(ran["web/alpine"], copy)
    image = next(copy.glob("artifacts/*/build-virt/arch/arm64/boot/Image"))
    image.write_text("not the kernel that was built\n")
    done = mscc("ci", "collect", str(copy), "-o", str(tmp_path / "dist"))
    assert done.returncode == 1 and "differs from its sha256" in done.stderr
    assert "web-alpine-Image" not in (tmp_path / "dist" / "SHA256SUMS").read_text()


def test_merge_says_when_a_report_built_nothing(ran, tmp_path):
    done = mscc("run", str(ran["out"]), "--only", "web/alpine", "--results", str(tmp_path / "dry"))
    assert done.returncode == 0, done.stdout + done.stderr
    merged = mscc("run", "--merge-reports", str(tmp_path / "dry"))
    assert "| web/alpine | ✅ passed |" in merged.stdout and "dry-run: checked, nothing built" in merged.stdout
