"""[tool.mscc] / .mscc.toml: discovery, validation (as located diagnostics), and effect."""

from __future__ import annotations

import pytest

from mscc.diagnostics import Severity
from mscc.settings import Settings, find, load, parse


def test_nearest_file_wins_and_mscc_toml_beats_pyproject(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.mscc]\nfail-on = 'warning'\n")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert find(sub) == tmp_path / "pyproject.toml"
    (tmp_path / ".mscc.toml").write_text("fail-on = 'note'\n")
    assert find(sub) == tmp_path / ".mscc.toml"
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no [tool.mscc]: skipped
    assert find(sub) == tmp_path / ".mscc.toml"


def test_search_stops_at_the_repository_root(tmp_path):
    (tmp_path / ".mscc.toml").write_text("")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find(repo) is None


def test_a_valid_table(tmp_path):
    text = """
[tool.mscc]
disable = ["MS7*", "sync-disabled"]
enable = ["MS701"]
severity = { MS705 = "error", "config-debug-option" = "note" }
fail-on = "warning"
format = "concise"
memory = "16GiB"
exclude = ["out/**"]
"""
    s, problems = parse(text, "pyproject.toml", is_pyproject=True, root=str(tmp_path))
    assert problems == []
    assert s.fail_on is Severity.WARNING and s.format == "concise" and s.memory == 16 << 30
    assert not s.enabled("MS702") and s.enabled("MS701") and not s.enabled("MS408") and s.enabled("MS401")
    assert s.severity_of("MS705", Severity.WARNING) is Severity.ERROR
    assert s.severity_of("MS708", Severity.WARNING) is Severity.NOTE
    assert s.severity_of("MS401", Severity.ERROR) is Severity.ERROR
    assert s.excluded(str(tmp_path / "out" / "m3" / "x.conf")) and not s.excluded(str(tmp_path / "m3.msk"))


@pytest.mark.parametrize("text, line, words", [
    ("colour = 'red'\n", 1, "unknown setting 'colour'"),
    ("\n\ndisable = ['MS70']\n", 3, "unknown code 'MS70'"),
    ("severity = { MS705 = 'fatal' }\n", 1, "must be error, warning or note"),
    ("fail-on = 'sometimes'\n", 1, "'fail-on' must be"),
    ("format = 'xml'\n", 1, "unknown format"),
    ("memory = 'lots'\n", 1, "'memory' must be a size"),
    ("disable = 'MS705'\n", 1, "must be a list of strings"),
    ("x = [\n", 2, "not valid TOML"),
])
def test_invalid_settings_are_located_diagnostics(text, line, words):
    _, problems = parse(text, ".mscc.toml", is_pyproject=False)
    assert len(problems) == 1
    d = problems[0]
    assert d.code == "MS010" and d.span.file == ".mscc.toml" and d.span.line == line
    assert words in d.message


def test_did_you_mean_for_codes_and_keys():
    _, problems = parse("disabel = []\nenable = ['config-duplicate-lin']\n", ".mscc.toml", is_pyproject=False)
    hints = [d.hint for d in problems]
    assert "'disable'" in hints[0] and "config-duplicate-line" in hints[1]


def test_no_file_means_defaults(tmp_path):
    (tmp_path / ".git").mkdir()
    settings, problems, source = load(start=tmp_path)
    assert settings == Settings() and problems == [] and source is None


# --- through the command line -------------------------------------------------------------

DUPLICATE = 'zfs_load="YES"\nzfs_load="YES"\n'


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "loader.conf").write_text(DUPLICATE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_settings_disable_a_code(run_cli, project):
    assert "MS705" in run_cli("lint", "loader.conf").output
    (project / ".mscc.toml").write_text('disable = ["MS705"]\n')
    r = run_cli("lint", "loader.conf")
    assert r.exit_code == 0 and r.output == ""


def test_settings_raise_a_severity_and_the_fail_threshold(run_cli, project):
    assert run_cli("lint", "loader.conf").exit_code == 0      # a warning does not fail by default
    (project / "pyproject.toml").write_text('[tool.mscc]\nfail-on = "warning"\n')
    assert run_cli("lint", "loader.conf").exit_code == 1
    (project / "pyproject.toml").write_text('[tool.mscc]\nseverity = { MS705 = "error" }\nformat = "concise"\n')
    r = run_cli("lint", "loader.conf")
    assert r.exit_code == 1 and "error[MS705]" in r.output and r.output.startswith("loader.conf:2:1:")


def test_bad_settings_fail_the_run_with_a_located_diagnostic(run_cli, project):
    (project / ".mscc.toml").write_text('fail-on = "warning"\ndisable = ["MS7O5"]\n')
    r = run_cli("lint", "--format", "concise", "loader.conf")
    assert r.exit_code == 1
    assert ".mscc.toml:2:1: error[MS010]: unknown code 'MS7O5' in 'disable'" in r.output


def test_exclude_skips_walked_files(run_cli, project):
    (project / "out").mkdir()
    (project / "out" / "loader.conf").write_text(DUPLICATE)
    (project / ".mscc.toml").write_text('exclude = ["out/*", "loader.conf"]\nfail-on = "warning"\n')
    assert run_cli("lint", ".").exit_code == 0
