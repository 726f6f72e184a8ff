"""`--target all`: an intent one target cannot honour fails that target only, the others are
written, the exit status is 1, and the summary names every profile/target pair."""

from __future__ import annotations

from conftest import ROOT
from mscc.compiler import compile_file

ZFS = """
profile m3 {
  hardware { chip = m3-pro  memory = 36GiB }
  vm { cpus = 4  memory = 8GiB  os = freebsd }
  zfs { arc_max = 4GiB }
}
"""
BSD = ["freebsd", "netbsd", "openbsd"]


def test_one_targets_error_does_not_stop_the_others(write):
    result = compile_file(str(write("p.msk", ZFS)), BSD)
    assert ("m3", "openbsd") in result.failed
    assert {("m3", "freebsd"), ("m3", "netbsd")} <= set(result.written)
    assert {b.directory for b in result.bundles} >= {"m3/freebsd", "m3/netbsd"}
    errors = [d for d in result.diagnostics if d.severity.name == "ERROR"]
    assert errors and {(d.code, d.target) for d in errors} == {("MS406", "openbsd")}
    assert not result.ok


def test_cli_all_exits_1_and_summarises_written_and_failed_pairs(run_cli, write, tmp_path):
    out = tmp_path / "out"
    r = run_cli("compile", write("p.msk", ZFS), "--target", "all", "-o", out)
    assert r.exit_code == 1
    lines = r.output.splitlines()
    assert f"wrote {out / 'm3' / 'freebsd'}" in lines and f"wrote {out / 'm3' / 'netbsd'}" in lines
    assert "not written: m3/openbsd (MS406)" in lines
    summary = next(line for line in lines if line.startswith("summary: "))
    assert "m3/freebsd" in summary and "m3/netbsd" in summary and "1 not written (m3/openbsd)" in summary
    assert (out / "m3" / "freebsd" / "manifest.json").is_file() and (out / "m3" / "netbsd").is_dir()
    assert not (out / "m3" / "openbsd").exists()


def test_cli_all_succeeds_when_every_target_can_build(run_cli, tmp_path):
    out = tmp_path / "out"
    r = run_cli("compile", ROOT / "examples" / "openbsd-router.msk", "--target", "all", "-o", out)
    lines = r.output.splitlines()
    for profile in ("obsd-router", "obsd-testbox"):
        for target in BSD:
            assert f"wrote {out / profile / target}" in lines
    failed = [line for line in lines if line.startswith("not written")]
    assert r.exit_code == (1 if failed else 0), r.output


def test_a_profile_error_fails_every_pair_of_that_profile(run_cli, write, tmp_path):
    text = ZFS.replace("cpus = 4", "cpus = 40") + ZFS.replace("m3 {", "ok {").replace("zfs { arc_max = 4GiB }", "")
    r = run_cli("compile", write("p.msk", text), "--target", "all", "-o", tmp_path / "o")
    assert r.exit_code == 1
    lines = r.output.splitlines()
    for target in BSD:
        assert any(line.startswith(f"not written: m3/{target} (") and "MS203" in line for line in lines)
        assert f"wrote {tmp_path / 'o' / 'ok' / target}" in lines


def test_targets_this_installation_lacks_are_skipped_not_fatal(run_cli, write, tmp_path, monkeypatch):
    import mscc.knowledge.targets

    monkeypatch.setattr(mscc.knowledge.targets, "available", lambda: ("freebsd", "netbsd"))
    r = run_cli("compile", write("p.msk", ZFS), "--target", "all", "-o", tmp_path / "o")
    lines = r.output.splitlines()
    assert r.exit_code == 0, r.output
    assert "skipped: alpine (this installation has no alpine target yet)" in lines
    assert "skipped: openbsd (this installation has no openbsd target yet)" in lines
    assert any(line.startswith("summary: 2 written") for line in lines)


def test_a_failed_write_reports_the_pairs_as_not_written(run_cli, write, tmp_path):
    blocker = write("blocker", "x")
    r = run_cli("compile", write("p.msk", ZFS), "--target", "all", "-o", blocker / "out")
    assert r.exit_code == 1 and "MS901" in r.output
    assert not any(line.startswith("wrote ") for line in r.output.splitlines())
    assert "not written: m3/freebsd (MS901)" in r.output.splitlines()
