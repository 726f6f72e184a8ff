"""`mscc ci github`: the workflow validates against GitHub's workflow schema (offline, with
check-jsonschema's vendored copy), passes yamllint and shellcheck, is deterministic, matches a
golden file per example, and `--check` notices a stale file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ci_helpers import GOLDEN, REPO, WORKFLOW, mscc, scripts

from mscc.ci import yamlout
from mscc.ci.actions import ACTIONS

EXAMPLES = sorted(p for p in (REPO / "examples").glob("*.msk") if p.name != "common.msk")
# (golden name, arguments): one per example with its own vm.os, and the example meant for every
# BSD (openbsd-router) compiled for all targets with SHA pins.
CASES = [(p.stem, (f"examples/{p.name}",)) for p in EXAMPLES] + [
    ("all-targets-pinned", ("examples/openbsd-router.msk", "--target", "all", "--pin-sha")),
]
YAMLLINT_CONFIG = ("{extends: default, rules: {line-length: {max: 160}, document-start: disable, "
                   "truthy: {check-keys: false}}}")


@pytest.fixture(scope="module")
def workflows(tmp_path_factory) -> dict[str, str]:
    """Each case generated in a scratch copy of the repository's examples, as a user would run it."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(REPO / "examples", root / "examples")
    texts = {}
    for name, args in CASES:
        done = mscc("ci", "github", *args, cwd=root)
        assert done.returncode == 0, done.stdout + done.stderr
        texts[name] = (root / WORKFLOW).read_text()
    return texts


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_golden(workflows, name):
    golden = GOLDEN / f"{name}.yml"
    if not golden.exists():  # a new example: write its golden, and fail so it gets reviewed
        golden.write_text(workflows[name])
        pytest.fail(f"wrote {golden}; review and commit it")
    assert workflows[name] == golden.read_text()


def test_every_golden_validates_against_the_github_workflow_schema(workflows):
    files = sorted(GOLDEN.glob("*.yml"))
    assert len(files) == len(CASES)
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, files)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_yamllint_passes(workflows):
    files = sorted(GOLDEN.glob("*.yml"))
    done = subprocess.run([sys.executable, "-m", "yamllint", "-s", "-d", YAMLLINT_CONFIG, *map(str, files)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_every_run_step_passes_shellcheck(workflows, name, tmp_path):
    found = scripts(workflows[name])
    assert found
    for index, (where, shell, script) in enumerate(found):
        path = tmp_path / f"step{index}.sh"
        path.write_text(script)
        done = subprocess.run(["shellcheck", "-s", shell, str(path)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{where}:\n{script}\n{done.stdout}"


def test_no_expression_is_spliced_into_a_script(workflows):
    # Values reach scripts through env:, never through ${{ }} (script injection).
    for text in workflows.values():
        for where, _, script in scripts(text):
            assert "${{" not in script, where


def test_generation_is_deterministic(tmp_path):
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    texts = set()
    for seed in ("0", "1", "12345"):
        done = mscc("ci", "github", "examples/m3-ultra-studio.msk", "examples/openbsd-router.msk",
                    cwd=tmp_path, env={"PYTHONHASHSEED": seed, "TZ": f"UTC+{seed[-1]}"})
        assert done.returncode == 0, done.stderr
        texts.add((tmp_path / WORKFLOW).read_bytes())
    assert len(texts) == 1


def test_least_permissions_and_pins(workflows):
    for name, text in workflows.items():
        doc = yaml.safe_load(text)
        assert doc["permissions"] == {}
        for job_name, job in doc["jobs"].items():
            expected = {"contents": "write"} if job_name == "release" else {"contents": "read"}
            assert job["permissions"] == expected
        refs = re.findall(r"uses: \"([^\"]+)\"", text)
        if name.endswith("pinned"):
            assert all(re.search(r"@[0-9a-f]{40}\"  # v[0-9.]+$", ln) for ln in text.splitlines() if "uses:" in ln)
        known = {a.repo: a for a in ACTIONS.values()}
        for ref in refs:
            repo, _, pin = ref.partition("@")
            want = known[repo].commit if name.endswith("pinned") else known[repo].tag
            assert pin == want, ref
        assert "secrets." not in text


def test_the_jobs_do_what_the_issue_says(workflows):
    doc = yaml.safe_load(workflows["all-targets-pinned"])
    jobs = doc["jobs"]
    assert list(jobs) == ["compile", "build", "report", "release"]
    build = jobs["build"]
    assert build["strategy"]["fail-fast"] is False
    assert build["timeout-minutes"] == "${{ matrix.timeout_minutes }}"
    uses = [s.get("uses", "") for s in build["steps"]]
    assert any("freebsd-vm" in u for u in uses) and any("openbsd-vm" in u for u in uses)
    for step in build["steps"]:
        if "vmactions/" in step.get("uses", ""):
            assert step["with"]["release"] == "${{ matrix.version }}" and step["with"]["arch"] == "aarch64"
    cache = next(s for s in build["steps"] if "actions/cache" in s.get("uses", ""))
    assert cache["with"]["path"] == "~/.cache/mscc" and "matrix.cache_key" in cache["with"]["key"]
    upload = build["steps"][-1]
    assert upload["if"] == "always()" and upload["with"]["path"] == "results"
    compile_runs = "\n".join(s.get("run", "") for s in jobs["compile"]["steps"])
    assert "mscc lint" in compile_runs and "mscc run out --plan github" in compile_runs
    assert "--merge-reports" in jobs["report"]["steps"][-1]["run"]
    assert "GITHUB_STEP_SUMMARY" in jobs["report"]["steps"][-1]["run"]
    assert jobs["release"]["if"].startswith("startsWith(github.ref, 'refs/tags/')")
    assert "SHA256SUMS" in jobs["release"]["steps"][-2]["name"]


def test_check_exits_1_when_stale_and_0_when_current(tmp_path):
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    args = ("ci", "github", "examples/m3.msk")
    assert mscc(*args, "--check", cwd=tmp_path).returncode == 1          # missing
    assert mscc(*args, cwd=tmp_path).returncode == 0
    assert mscc(*args, "--check", cwd=tmp_path).returncode == 0
    profile = tmp_path / "examples/m3.msk"
    profile.write_text(profile.read_text().replace('os = freebsd', 'os = alpine').replace('"15.1"', '"3.22"'))
    stale = mscc(*args, "--check", cwd=tmp_path)
    assert stale.returncode == 1 and "stale" in stale.stderr and "+++ " in stale.stdout
    assert mscc(*args, "--pin-sha", "--check", cwd=tmp_path).returncode == 1


def test_a_profile_with_errors_writes_nothing(tmp_path):
    (tmp_path / "bad.msk").write_text("profile p { vm { os = beos } }\n")
    done = mscc("ci", "github", "bad.msk", cwd=tmp_path)
    assert done.returncode == 1 and not (tmp_path / WORKFLOW).exists()
    assert "Traceback" not in done.stderr


def test_hostile_names_stay_data(tmp_path):
    name = "it's $(touch pwned) `x`.msk"
    shutil.copy(REPO / "examples/m3.msk", tmp_path / name)
    shutil.copy(REPO / "examples/common.msk", tmp_path / "common.msk")
    install = "mscc @ git+https://example.invalid/x\"; echo ${{ github.token }}"
    done = mscc("ci", "github", name, "--install", install, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / WORKFLOW).read_text()
    doc = yaml.safe_load(text)
    assert doc["env"]["MSCC_INSTALL"] == install
    lint = next(s["run"] for s in doc["jobs"]["compile"]["steps"] if s.get("name") == "lint")
    assert subprocess.run(["bash", "-c", f"set -- {lint.split(' ', 2)[2]}\nprintf %s \"$1\""],
                          capture_output=True, text=True, cwd=tmp_path).stdout == name
    assert not (tmp_path / "pwned").exists()


def test_paths_outside_the_repository_are_refused(tmp_path):
    done = mscc("ci", "github", "../x.msk", cwd=tmp_path)
    assert done.returncode == 2 and "inside the repository" in done.stderr


@pytest.mark.parametrize("value", ["on", "yes", "No", "null", "~", "1.0", "-x", "a: b", "# c", "x\ny", "'q'",
                                   "${{ x }}", "tab\there", "*alias", "&anchor", "!tag", "", " lead", "é"])
def test_scalars_read_back_as_the_same_string(value):
    assert yaml.safe_load(yamlout.dump({"k": value, "l": [value]})) == {"k": value, "l": [value]}


def test_literal_blocks_keep_scripts_byte_for_byte():
    for script in ("a\n", "a\n  b\nc\n", "if x; then\n    y\nfi\n", "a \n", "\tx\n", "a\n\n\nb\n", " a\n"):
        assert yaml.safe_load(yamlout.dump({"run": script}))["run"] == script


def test_the_generated_hook_covers_workflows():
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    files = re.compile(hooks["mscc-generated"]["files"])
    assert files.search("profiles/a.msk") and files.search(".github/workflows/mscc.yml")
    assert not files.search("src/main.py") and not files.search("docs/.github/workflows/x.yml")


def test_lint_generated_reports_a_stale_workflow(tmp_path):
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    assert mscc("ci", "github", "examples/m3.msk", "--pin-sha", cwd=tmp_path).returncode == 0
    fresh = mscc("lint", "--generated", cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    workflow = tmp_path / WORKFLOW
    workflow.write_text(workflow.read_text().replace("timeout-minutes: 15", "timeout-minutes: 99", 1))
    stale = mscc("lint", "--generated", cwd=tmp_path)
    assert stale.returncode == 1 and "MS902" in stale.stdout and "timeout-minutes: 99" in stale.stdout
    assert "--pin-sha" in stale.stdout  # the hint is the command the header records
    (tmp_path / ".github/workflows/other.yml").write_text("name: hand-written\non: push\n")
    workflow.write_text("# generated by mscc\n# mscc ci github\n")
    broken = mscc("lint", "--generated", cwd=tmp_path)
    assert broken.returncode == 1 and "does not say how" in broken.stdout
    assert "other.yml" not in broken.stdout and "Traceback" not in broken.stderr


def test_control_characters_in_the_output_name_are_refused(tmp_path):
    shutil.copy(REPO / "examples/m1-air.msk", tmp_path / "m1-air.msk")
    shutil.copy(REPO / "examples/common.msk", tmp_path / "common.msk")
    done = mscc("ci", "github", "m1-air.msk", "-o", "wf\nx.yml", cwd=tmp_path)
    assert done.returncode == 2 and "control characters" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["common.msk", "m1-air.msk"]


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_any_text_reads_back_as_itself(key_text, value):
    doc = {"k": value, "list": [value, {"inner": value}], "run": value + "\n"}
    assert yaml.safe_load(yamlout.dump(doc, header=[key_text])) == doc


def test_a_fifo_named_by_a_workflow_header_does_not_hang_lint(tmp_path):
    import os

    os.mkfifo(tmp_path / "f.msk")
    workflow = tmp_path / WORKFLOW
    workflow.parent.mkdir(parents=True)
    workflow.write_text("# generated by mscc\n#   mscc ci github f.msk -o .github/workflows/mscc.yml\nname: x\n")
    done = mscc("lint", "--generated", cwd=tmp_path, timeout=60)
    assert done.returncode == 1 and "not a regular file" in done.stdout
    assert mscc("ci", "github", "f.msk", cwd=tmp_path, timeout=60).returncode == 2
