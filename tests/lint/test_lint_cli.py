"""`mscc lint` on the command line: exit codes, thresholds, paths, options."""

from __future__ import annotations

from pathlib import Path

import pytest

from mscc.lint.databases import target_data

ROOT = Path(__file__).resolve().parents[2]
DUP = 'zfs_load="YES"\nzfs_load="YES"\n'


def test_clean_input_is_silent(run_cli, write):
    r = run_cli("lint", write("loader.conf", 'zfs_load="YES"\n'))
    assert r.exit_code == 0 and r.output == ""


def test_warnings_fail_only_when_asked(run_cli, write):
    path = write("loader.conf", DUP)
    assert run_cli("lint", path).exit_code == 0
    assert run_cli("lint", "--fail-on", "warning", path).exit_code == 1
    assert run_cli("lint", "--strict", path).exit_code == 1


def test_text_output_has_an_excerpt_and_a_summary(run_cli, write):
    r = run_cli("lint", write("loader.conf", DUP))
    assert "warning[MS705]" in r.output and '2 | zfs_load="YES"' in r.output
    assert "mscc lint: 1 warning in 1 file checked" in r.output


def test_unrecognised_files_are_named_when_given_and_skipped_when_walked(run_cli, write, tmp_path):
    notes = write("notes.txt", "hello\n")
    r = run_cli("lint", "--format", "concise", notes)
    assert r.exit_code == 0 and "warning[MS011]" in r.output
    write("sub/README.md", "# hi\n")
    write("sub/boot/loader.conf", DUP)
    r = run_cli("lint", "--format", "concise", tmp_path / "sub")
    assert "MS011" not in r.output and "sub/boot/loader.conf:2:1: warning[MS705]" in r.output


def test_kind_forces_the_reader(run_cli, write):
    path = write("zfs-tuning.txt", DUP)
    r = run_cli("lint", "--kind", "loader-conf", "--format", "concise", path)
    assert "MS705" in r.output


def test_unreadable_inputs_are_diagnostics(run_cli, tmp_path):
    # a NUL byte: a binary file (a Latin-1 byte is read as loader(8) reads it, test_lint_unseen2)
    (tmp_path / "loader.conf").write_bytes(b'zfs_load="\x00"\n')
    r = run_cli("lint", "--format", "concise", tmp_path / "loader.conf", tmp_path / "missing.conf")
    assert r.exit_code == 1
    assert "error[MS002]" in r.output and "error[MS008]" in r.output


def test_bad_memory_is_a_usage_error(run_cli, write):
    r = run_cli("lint", "--memory", "lots", write("loader.conf", DUP))
    assert r.exit_code == 2


def test_profile_by_name(run_cli, write):
    profile = write("two.msk", """
profile small { hardware { chip = m3-pro  memory = 36GiB }  vm { cpus = 2  memory = 4GiB  os = freebsd } }
profile big { hardware { chip = m3-pro  memory = 36GiB }  vm { cpus = 2  memory = 24GiB  os = freebsd } }
""")
    loader = write("loader.conf", 'vfs.zfs.arc.max="8G"\n')
    assert run_cli("lint", "--profile", f"{profile}:small", loader).exit_code == 1
    assert run_cli("lint", "--profile", f"{profile}:big", loader).exit_code == 0
    r = run_cli("lint", "--format", "concise", "--profile", f"{profile}:huge", loader)
    assert "error[MS106]" in r.output


@pytest.mark.parametrize("name", ["m2-pro-mini.msk", "m3.msk", "m4-max.msk", "common.msk"])
def test_the_freebsd_examples_lint_clean(run_cli, name):
    r = run_cli("lint", "--strict", ROOT / "examples" / name)
    assert r.exit_code == 0, r.output


def test_every_example_lints_clean_when_its_targets_exist(run_cli):
    if not all(target_data(t) for t in ("alpine", "freebsd")):
        pytest.skip("the alpine target (targets/alpine/target.json) is not in this checkout yet")
    r = run_cli("lint", ROOT / "examples")
    assert r.exit_code == 0, r.output


def test_lint_help_lists_every_format(run_cli):
    r = run_cli("lint", "--help")
    for fmt in ("text", "concise", "json", "sarif", "github"):
        assert fmt in r.output


def test_many_files_give_the_same_answer_in_parallel(tmp_path, monkeypatch):
    from mscc.lint import LintOptions, driver, lint_paths

    (tmp_path / "common.msk").write_text((ROOT / "examples" / "common.msk").read_text())
    for i in range(12):
        text = (ROOT / "examples" / "m3.msk").read_text()
        if i % 3 == 0:
            text = text.replace("cpus = 8", "cpus = 99")
        (tmp_path / f"p{i}.msk").write_text(text)
        (tmp_path / f"c{i}").mkdir()
        (tmp_path / f"c{i}" / "loader.conf").write_text(DUP)
    monkeypatch.setattr(driver, "PARALLEL_FROM", 10 ** 9)
    sequential = lint_paths([str(tmp_path)], LintOptions())
    monkeypatch.setattr(driver, "PARALLEL_FROM", 4)
    parallel = lint_paths([str(tmp_path)], LintOptions())
    assert len(sequential.files) == 25
    assert sorted(parallel.files) == sorted(sequential.files)
    assert parallel.diagnostics == sequential.diagnostics
    assert [d.message for d in parallel.diagnostics] == [d.message for d in sequential.diagnostics]
    assert {d.code for d in parallel.diagnostics} == {"MS103", "MS705"}


def test_raw_blocks_name_targets_too(run_cli, write):
    r = run_cli("lint", "--format", "concise", write("p.msk", """
profile p {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { cpus = 4  memory = 8GiB  os = freebsd }
  raw openbsd { kernel = ["option NOSUCHTHING"] }
}
profile q {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { cpus = 4  memory = 8GiB  os = freebsd }
}
"""))
    lines = [line for line in r.output.splitlines() if "[openbsd]" in line]
    if not lines:
        pytest.skip("the openbsd target does not check raw lines in this checkout")
    assert all("p.msk:5:" in line for line in lines)
