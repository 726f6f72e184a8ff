"""The command line through click's runner: exit codes, formats, atomic output."""

from __future__ import annotations

import json
import os

import pytest

from conftest import ROOT

GOOD = """
profile p {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { cpus = 4  memory = 8GiB  os = freebsd }
  zfs { arc_max = 4GiB }
}
"""


def test_version(run_cli):
    r = run_cli("--version")
    assert r.exit_code == 0 and "mscc" in r.output


def test_compile_writes_a_directory_per_profile_and_target(run_cli, write, tmp_path):
    src = write("p.msk", GOOD)
    out = tmp_path / "out"
    r = run_cli("compile", src, "--target", "freebsd", "-o", out)
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / "p" / "freebsd" / "manifest.json").read_text())
    assert manifest["target"] == "freebsd"
    assert not [p for p in out.iterdir() if p.name.startswith(".mscc")]


def test_target_defaults_to_vm_os(run_cli, write, tmp_path):
    r = run_cli("compile", write("p.msk", GOOD), "-o", tmp_path / "o")
    assert r.exit_code == 0 and (tmp_path / "o" / "p" / "freebsd").is_dir()


def test_errors_exit_1_and_write_nothing(run_cli, write, tmp_path):
    src = write("p.msk", GOOD.replace("cpus = 4", "cpus = 40"))
    out = tmp_path / "out"
    r = run_cli("compile", src, "--target", "freebsd", "-o", out)
    assert r.exit_code == 1
    assert "error[MS203]" in r.output and "p.msk:4:" in r.output
    assert not (out / "p").exists()


def test_text_format_has_caret_and_hint(run_cli, write, tmp_path):
    src = write("p.msk", GOOD.replace("cpus = 4", "cpus = 40"))
    r = run_cli("compile", src, "-o", tmp_path / "o")
    lines = r.output.splitlines()
    i = next(i for i, ln in enumerate(lines) if "| " in ln and "cpus = 40" in ln)
    assert lines[i + 1].strip().endswith("^^")
    assert any("= hint:" in ln for ln in lines)


def test_json_format(run_cli, write, tmp_path):
    src = write("p.msk", GOOD.replace("cpus = 4", "cpus = 40"))
    r = run_cli("compile", src, "--format", "json", "-o", tmp_path / "o")
    doc = json.loads(r.stdout)
    (d,) = doc["diagnostics"]
    assert d["code"] == "MS203" and d["line"] == 4 and d["severity"] == "error"


def test_usage_errors_exit_2(run_cli, write):
    assert run_cli("compile", write("p.msk", GOOD), "--target", "solaris").exit_code == 2
    assert run_cli("frobnicate").exit_code == 2
    assert run_cli("hardware", "show", "m9").exit_code == 2


def test_missing_file_is_a_diagnostic(run_cli, tmp_path):
    r = run_cli("compile", tmp_path / "nope.msk", "-o", tmp_path / "o")
    assert r.exit_code == 1 and "MS008" in r.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_is_a_diagnostic(run_cli, write, tmp_path):
    src = write("p.msk", GOOD)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        r = run_cli("compile", src, "-o", locked / "out")
    finally:
        locked.chmod(0o700)
    assert r.exit_code == 1 and "MS901" in r.output


def test_output_path_that_is_a_file_is_a_diagnostic(run_cli, write, tmp_path):
    src = write("p.msk", GOOD)
    blocker = write("blocker", "x")
    r = run_cli("compile", src, "-o", blocker / "out")
    assert r.exit_code == 1 and "MS901" in r.output


def test_failed_write_leaves_no_partial_directory(monkeypatch, write, tmp_path):
    from mscc.compiler import compile_file
    from mscc.emit import artifacts

    result = compile_file(str(write("p.msk", GOOD)), ["freebsd"])
    real = os.replace

    def failing_replace(a, b):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(artifacts.os, "replace", failing_replace)
    with pytest.raises(OSError):
        artifacts.write_bundles(tmp_path / "out", result.bundles)
    monkeypatch.setattr(artifacts.os, "replace", real)
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


def test_hardware_list_and_show(run_cli):
    r = run_cli("hardware", "list")
    assert r.exit_code == 0 and "m3-pro" in r.output and "m5-max" in r.output
    doc = json.loads(run_cli("hardware", "list", "--format", "json").output)
    assert {c["id"] for c in doc} >= {"m1", "m3-ultra", "m4-max"}
    r = run_cli("hardware", "show", "m3-pro")
    assert "source" in r.output and "Apple M3 Pro" in r.output
    assert json.loads(run_cli("hardware", "show", "m3-pro", "--format", "json").output)["id"] == "m3-pro"


def test_explain_and_codes(run_cli):
    assert "slog" in run_cli("explain", "MS404").output
    assert "MS404" in run_cli("explain", "volatile-slog").output
    assert run_cli("explain", "MS999").exit_code == 2
    assert "MS001" in run_cli("codes").output


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "mscc", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "mscc" in r.stdout
