"""Stale generated output: `mscc compile --check` (a diff) and `mscc lint` on a bundle's
manifest.json (MS902 at the first line that differs)."""

from __future__ import annotations

import pytest

PROFILE = """
profile p {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { cpus = 4  memory = 8GiB  os = freebsd }
  zfs { arc_max = 4GiB }
}
"""


@pytest.fixture
def project(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.msk").write_text(PROFILE)
    r = run_cli("compile", "p.msk", "-o", "out")
    assert r.exit_code == 0, r.output
    return tmp_path


def test_fresh_output_passes_quietly(run_cli, project):
    r = run_cli("compile", "p.msk", "-o", "out", "--check")
    assert r.exit_code == 0 and r.output == ""
    r = run_cli("lint", "--generated")
    assert r.exit_code == 0 and r.output == ""


def test_a_changed_source_makes_the_output_stale(run_cli, project):
    (project / "p.msk").write_text(PROFILE.replace("arc_max = 4GiB", "arc_max = 3GiB"))
    r = run_cli("compile", "p.msk", "-o", "out", "--check")
    assert r.exit_code == 1
    assert "(committed)" in r.output and "(regenerated)" in r.output
    assert "stale" in r.output
    assert not (project / "out" / ".mscc-staging").exists()
    r = run_cli("lint", "--generated", "--format", "concise")
    assert r.exit_code == 1 and "error[MS902]" in r.output
    assert "differs from what p.msk produces now" in r.output


def test_lint_points_at_the_first_changed_line(run_cli, project):
    loader = project / "out" / "p" / "freebsd" / "boot" / "loader.conf"
    lines = loader.read_text().splitlines(keepends=True)
    lines[2] = "# hand edit\n"
    loader.write_text("".join(lines))
    r = run_cli("lint", "--format", "concise", "out/p/freebsd/manifest.json")
    assert r.exit_code == 1
    assert r.output.startswith("out/p/freebsd/boot/loader.conf:3:1: error[MS902]")


def test_missing_and_extra_files(run_cli, project):
    bundle = project / "out" / "p" / "freebsd"
    (bundle / "report.txt").unlink()
    (bundle / "leftover.conf").write_text("x\n")
    r = run_cli("compile", "p.msk", "-o", "out", "--check")
    assert r.exit_code == 1
    assert "missing: out/p/freebsd/report.txt" in r.output
    assert "not generated any more: out/p/freebsd/leftover.conf" in r.output


def test_check_writes_nothing(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.msk").write_text(PROFILE)
    r = run_cli("compile", "p.msk", "-o", "out", "--check")
    assert r.exit_code == 1 and "missing:" in r.output
    assert not (tmp_path / "out").exists()


def test_a_source_with_errors_cannot_be_checked(run_cli, project):
    (project / "p.msk").write_text(PROFILE.replace("arc_max = 4GiB", "arc_max = 4GiB  slog = ram"))
    r = run_cli("compile", "p.msk", "-o", "out", "--check")
    assert r.exit_code == 1 and "not checked: p/freebsd (the source has errors for it)" in r.output
    (project / "p.msk").write_text(PROFILE.replace("cpus = 4", "cpus = 400"))
    r = run_cli("compile", "p.msk", "-o", "out", "--check")
    assert r.exit_code == 1 and "not checked: out (the source has errors)" in r.output


def test_files_of_a_bundle_are_linted_for_the_profile_they_were_made_for(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, debug in (("dbg", "full"), ("prod", "off")):
        (tmp_path / f"{name}.msk").write_text(
            PROFILE.replace("profile p", f"profile {name}").replace("zfs {", f"kernel {{ debug = {debug} }}\n  zfs {{"))
        assert run_cli("compile", f"{name}.msk", "-o", "out").exit_code == 0
        kernel = next((tmp_path / "out" / name / "freebsd" / "kernel").iterdir())
        kernel.write_text(kernel.read_text() + "options WITNESS\n")
    r = run_cli("lint", "--format", "concise", "out")
    debug = [line for line in r.output.splitlines() if "MS708" in line]
    assert len(debug) == 1 and debug[0].startswith("out/prod/freebsd/kernel/")  # dbg asked for it
    loader = tmp_path / "out" / "prod" / "freebsd" / "boot" / "loader.conf"
    loader.write_text(loader.read_text() + 'vfs.zfs.arc.max="8G"\n')
    r = run_cli("lint", "--format", "concise", loader)
    assert "error[MS707]" in r.output and "vm.memory of profile prod" in r.output
