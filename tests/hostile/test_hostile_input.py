"""Hostile input (issue 9): one test per class of attack or breakage. Nothing a profile did not
ask for reaches a generated file, nothing crashes or hangs, interrupted output is recoverable."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import codes_of, compile_text

BASE = """
  hardware { chip = m3-pro  memory = 36GiB }
"""


def profile(body: str, name: str = "p") -> str:
    return f"profile {name} {{{BASE}{body}\n}}\n"


def all_text(result) -> str:
    return "".join(a.content for b in result.bundles for a in b.artifacts)


# --- critical: commands chosen by the input ----------------------------------------------------

@pytest.mark.parametrize("target", ["alpine", "freebsd", "netbsd", "openbsd"])
def test_a_version_with_a_command_is_refused_where_it_is_written(tmp_path, target):
    r = compile_text(tmp_path, profile(f'vm {{ os = {target}  version = "15.0\\nid\\n#" }}'), target=target)
    assert codes_of(r) == ["MS012"] and not r.bundles
    assert r.diagnostics[0].span.line == 3


@pytest.mark.parametrize("version", ["15.0 $(id)", "15.0;id", "15.0.0.0", "15.", "015x", "15.0\u2028"])
def test_a_version_is_looked_up_never_passed_through(tmp_path, version):
    from mscc.knowledge.targets import target

    assert target("freebsd").version(version) is None
    assert target("freebsd").version("15.01")["name"] == "15.1"  # rebuilt from the numbers


def test_a_supported_point_release_is_written_in_canonical_form(tmp_path):
    r = compile_text(tmp_path, profile('vm { os = freebsd  version = "14.03" }'), target="freebsd")
    assert r.ok and "FreeBSD 14.3" in all_text(r) and "14.03" not in all_text(r)


@pytest.mark.parametrize("value", ['"5 install zfs /bin/sh"', '"x"', "lz4"])
def test_a_number_tunable_takes_no_string(tmp_path, value):
    r = compile_text(tmp_path, profile(f"vm {{ memory = 8GiB }}\n  zfs {{ tunables {{ zfs_txg_timeout = {value} }} }}"),
                     target="alpine")
    assert "MS411" in codes_of(r) and not r.bundles


@pytest.mark.parametrize("target", ["alpine", "freebsd"])
def test_a_string_tunable_is_validated(tmp_path, target):
    bad = profile('vm { memory = 8GiB }\n  zfs { tunables { zfs_fletcher_4_impl = "x\\" exec=\\"y" } }')
    assert "MS411" in codes_of(compile_text(tmp_path, bad, target=target))
    scalar = 'vm { memory = 8GiB }\n  zfs { tunables { zfs_fletcher_4_impl = "scalar" } }'
    good = compile_text(tmp_path, profile(scalar),
                        target=target)
    assert good.ok and "scalar" in all_text(good)


@pytest.mark.parametrize("name", ["--allow-untrusted", "-X", "a$b", "a b", "x;id", "UPPER"])
def test_package_names_cannot_be_options_or_words(tmp_path, name):
    r = compile_text(tmp_path, profile(f'image {{ minimal = yes  packages = ["{name}"] }}'), target="alpine")
    assert "MS504" in codes_of(r) and not r.bundles


def test_mkimage_ends_apk_options_before_the_packages(tmp_path):
    r = compile_text(tmp_path, profile('image { minimal = yes  packages = ["htop"] }'), target="alpine")
    script = next(a.content for a in r.bundles[0].artifacts if a.path == "image/mkimage.sh")
    assert "\n    -- alpine-base" in script and script.rstrip().count(" htop") == 1


def test_grammar_cache_is_private(tmp_path, monkeypatch):
    from mscc.parse.parser import _cache_file

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = _cache_file("grammar")
    assert path and Path(path).parent == tmp_path / "cache" / "mscc" / "grammar"
    assert stat.S_IMODE(os.stat(Path(path).parent).st_mode) == 0o700
    os.chmod(Path(path).parent, 0o777)   # someone else could plant a pickle: no cache
    assert _cache_file("grammar") is None
    os.chmod(Path(path).parent, 0o700)
    Path(path).write_bytes(b"planted")
    os.chmod(path, 0o666)
    assert _cache_file("grammar") is None
    os.chmod(path, 0o644)
    assert _cache_file("grammar") == path
    os.chmod(tmp_path / "cache", 0o777)  # a parent others can write to: they could swap the directory
    assert _cache_file("grammar") is None
    os.chmod(tmp_path / "cache", 0o755)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")
    assert _cache_file("grammar") is None


def test_grammar_cache_never_falls_back_to_the_temp_dir(tmp_path, monkeypatch):
    from mscc.parse.parser import _cache_file

    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # cannot create a directory below a file
    assert _cache_file("grammar") is None


# --- control characters: refused, located ---------------------------------------------------------

@pytest.mark.parametrize("char", ["\r", "\x00", "\x1b", "\u2028", "\u2029", "\u202e", "\x85", "\x0b", "\x0c"])
def test_control_characters_are_refused_with_their_location(tmp_path, char):
    from mscc.parse.parser import parse_text

    text = 'profile p {\n  vm { version = "15' + char + '" }\n}\n'
    module, problems = parse_text(text, "t.msk")
    assert module is None and problems[0].code == "MS012"
    assert (problems[0].span.line, problems[0].span.column) == (2, 21)


def test_escapes_that_make_control_characters_are_refused(tmp_path):
    from mscc.parse.parser import parse_text

    for escape in ("\\n", "\\t"):
        _, problems = parse_text('profile p { zfs { dataset "zroot/a' + escape + '" { atime = off } } }', "t.msk")
        assert [d.code for d in problems] == ["MS012"]
    _, problems = parse_text('include "a\\n.msk"\nprofile p { }', "t.msk")
    assert [d.code for d in problems] == ["MS012"]


def test_crlf_files_and_tabs_are_fine(tmp_path):
    text = profile("\tvm { memory = 8GiB }").replace("\n", "\r\n")
    assert compile_text(tmp_path, text).ok


def test_a_line_separator_in_a_comment_does_not_move_an_ignore(tmp_path, run_cli):
    from mscc.source import SourceFile

    source = SourceFile("x", "a\u2028b\nc\n")
    assert source.line(2) == "c"
    path = tmp_path / "t.msk"
    path.write_text("# x\u2028y\n" + profile("vm { memory = 8GiB }"), encoding="utf-8")
    r = run_cli("lint", path)
    assert r.exit_code == 1 and "MS012" in r.output and f"{path.name}:1:4" in r.output


def test_encoders_refuse_instead_of_escaping():
    from mscc.emit import encoders as e

    for encoder in (e.shell_word, e.comment, e.yaml_scalar, e.kernel_line, e.sysctl_value):
        with pytest.raises(e.EncodeError):
            encoder("a\nb")
    with pytest.raises(e.EncodeError):
        e.loader_value('a" exec="b')
    with pytest.raises(e.EncodeError):
        e.modprobe_option(("zfs_arc_max", "1\\"))
    with pytest.raises(e.EncodeError):
        e.kconfig_line("CONFIG_A=y\nCONFIG_B=y")
    assert e.shell_word("it's") == "'it'\"'\"'s'" and e.yaml_scalar("a: b") == '"a: b"'


def test_templates_cannot_interpolate_a_raw_value():
    import jinja2

    from mscc.emit.encoders import EncodeError
    from mscc.emit.render import environment

    env = environment()
    with pytest.raises(EncodeError):
        env.from_string("{{ value }}").render(value="x")
    assert env.from_string("{{ value | sh }} {{ n }}").render(value="a b", n=3) == "'a b' 3"
    with pytest.raises((EncodeError, jinja2.TemplateError)):
        env.from_string("{{ value | sh | upper }}").render(value="x")


def test_every_template_interpolation_goes_through_an_encoder():
    import re

    from mscc.emit.encoders import ENCODERS
    from mscc.paths import targets_dir

    for template in targets_dir().glob("*/templates/*.j2"):
        for expr in re.findall(r"\{\{(.*?)\}\}", template.read_text(encoding="utf-8")):
            if expr.strip() == "HEADER":
                continue
            last = expr.rsplit("|", 1)
            assert len(last) == 2 and last[1].split("(")[0].strip() in ENCODERS, (template.name, expr)


# --- wrong output -----------------------------------------------------------------------------------

def test_lima_memory_is_a_size_lima_reads(tmp_path):
    import yaml

    r = compile_text(tmp_path, profile("vm { memory = 33% of host.memory }"), target="freebsd")
    lima = yaml.safe_load(next(a.content for a in r.bundles[0].artifacts if a.path == "lima.yaml"))
    assert lima["memory"] == "12165MiB"


@pytest.mark.parametrize("setting", ["memory = 0K", "disk = 0K", "memory = 512K", "memory = 0.0001% of host.memory"])
def test_zero_sizes_are_refused(tmp_path, setting):
    assert "MS103" in codes_of(compile_text(tmp_path, profile(f"vm {{ {setting} }}")))


def test_a_second_raw_block_adds_its_lines(tmp_path):
    text = profile('raw freebsd { sysctl = ["kern.a=1"] }\n  raw freebsd { sysctl = ["kern.b=2"] }')
    out = all_text(compile_text(tmp_path, text))
    assert "kern.a=1" in out and "kern.b=2" in out


def test_output_does_not_depend_on_how_the_path_is_spelt(tmp_path, monkeypatch):
    from mscc.compiler import compile_file

    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.msk").write_text(profile("vm { memory = 8GiB }"))
    a, b = compile_file("in.msk", ["freebsd"]), compile_file("./in.msk", ["freebsd"])
    assert [x.manifest_text for x in a.bundles] == [x.manifest_text for x in b.bundles]


def test_memory_true_in_settings_is_refused():
    from mscc.settings import parse

    _, problems = parse("memory = true\n", ".mscc.toml", is_pyproject=False)
    assert [d.code for d in problems] == ["MS010"]


@pytest.mark.parametrize("text", ['fail-on = []', 'format = {a = 1}', 'severity = {MS705 = []}', 'severity = []',
                                  'disable = "MS705"', 'exclude = [[1]]'])
def test_wrong_types_in_settings_are_ms010(text):
    from mscc.settings import parse

    _, problems = parse(text + "\n", ".mscc.toml", is_pyproject=False)
    assert [d.code for d in problems] == ["MS010"]


def test_pyproject_tool_of_the_wrong_type_is_ms010():
    from mscc.settings import parse

    _, problems = parse("tool = 1\n", "pyproject.toml", is_pyproject=True)
    assert [d.code for d in problems] == ["MS010"]


def test_terminal_escapes_and_bad_names_are_printable(tmp_path):
    from mscc import reporters
    from mscc.diagnostics import Diagnostic, Severity
    from mscc.source import SourceCache, Span

    name = os.fsdecode(b"bad\xff\x1b[31m.msk")
    d = Diagnostic(Span(name, 1, 1, 1, 2), "MS001", Severity.ERROR, "unexpected '\x1b]0;owned\x07'")
    for fmt, render in reporters.REPORTERS.items():
        out = render([d], SourceCache())
        assert "\x1b" not in out and "\x07" not in out, fmt
        out.encode("utf-8")  # no lone surrogates: valid UTF-8
    sarif = json.loads(reporters.sarif([d], SourceCache()))
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "bad%FF%1B%5B31m.msk"


def test_fmt_keeps_a_symlink_and_reports_a_read_only_directory(tmp_path, run_cli):
    real = tmp_path / "real.msk"
    real.write_text("profile p {   }\n")
    link = tmp_path / "link.msk"
    link.symlink_to(real)
    assert run_cli("fmt", link).exit_code == 0
    assert link.is_symlink() and real.read_text() == "profile p {}\n"
    import tempfile

    def read_only(*args, **kw):
        raise PermissionError(13, "Permission denied")
    with pytest.MonkeyPatch.context() as patch:  # what a read-only directory does, even to root
        patch.setattr(tempfile, "mkstemp", read_only)
        (tmp_path / "b.msk").write_text("profile p {   }\n")
        r = run_cli("fmt", tmp_path / "b.msk")
    assert r.exit_code == 1 and "cannot write" in r.output
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        (ro / "a.msk").write_text("profile p {   }\n")
        ro.chmod(0o500)
        try:
            r = run_cli("fmt", ro / "a.msk")
        finally:
            ro.chmod(0o700)
        assert r.exit_code == 1 and "cannot write" in r.output


# --- crashes ---------------------------------------------------------------------------------------

def test_huge_numbers_are_diagnostics(tmp_path):
    for value in ("9" * 5000, "9" * 5000 + "GiB", "9" * 5000 + "% of host.memory"):
        r = compile_text(tmp_path, profile(f"vm {{ memory = {value} }}"))
        assert codes_of(r) == ["MS103"]


def test_long_include_chains_are_cut(tmp_path):
    for i in range(300):
        (tmp_path / f"f{i}.msk").write_text(f'include "f{i + 1}.msk"\n')
    (tmp_path / "f300.msk").write_text(profile("vm { memory = 8GiB }"))
    from mscc.compiler import compile_file

    assert "MS004" in codes_of(compile_file(str(tmp_path / "f0.msk"), ["freebsd"]))


def test_long_extends_chains_are_cut(tmp_path):
    chain = "".join(f"template t{i} extends t{i + 1} {{ }}\n" for i in range(1500))
    leaf = profile("vm { memory = 8GiB }").replace("profile p {", "profile p extends t0 {")
    text = chain + "template t1500 { }\n" + leaf
    assert "MS004" in codes_of(compile_text(tmp_path, text))


def test_include_names_longer_than_a_file_name(tmp_path):
    r = compile_text(tmp_path, f'include "{"a" * 300}.msk"\n' + profile("vm { memory = 8GiB }"))
    assert codes_of(r) == ["MS005"]


def test_deep_directory_trees_are_walked_without_recursion(tmp_path, run_cli):
    deep = tmp_path
    for _ in range(1100):  # os.makedirs itself recurses once per level
        deep = deep / "d"
        deep.mkdir()
    try:
        r = run_cli("lint", tmp_path)
        assert r.exit_code == 0
        assert run_cli("fmt", "--check", tmp_path).exit_code == 0
    finally:  # shutil.rmtree (and pytest's clean-up) recurse once per level too
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


def test_a_lone_backslash_modprobe_file(tmp_path, run_cli):
    conf = tmp_path / "modprobe.d" / "zfs.conf"
    conf.parent.mkdir()
    conf.write_text("\\\n")
    assert run_cli("lint", conf).exit_code in (0, 1)


def test_a_bogus_manifest_is_a_diagnostic(tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.msk").write_text(profile("vm { memory = 8GiB  os = freebsd }"))
    assert run_cli("compile", "p.msk", "-o", "out").exit_code == 0
    manifest = tmp_path / "out" / "p" / "freebsd" / "manifest.json"
    for target in ("bogus", ["list"], {"a": 1}):
        meta = json.loads(manifest.read_text())
        meta["target"] = target
        manifest.write_text(json.dumps(meta))
        r = run_cli("lint", manifest)
        assert r.exit_code == 1 and "MS902" in r.output
        r = run_cli("lint", tmp_path / "out" / "p" / "freebsd" / "boot" / "loader.conf")
        assert r.exit_code in (0, 1)


@pytest.mark.parametrize("breakage", ["directory", "symlink-loop", "fifo"])
def test_compile_check_when_a_generated_file_is_not_a_file(tmp_path, run_cli, monkeypatch, breakage):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.msk").write_text(profile("vm { memory = 8GiB  os = freebsd }"))
    assert run_cli("compile", "p.msk", "-o", "out").exit_code == 0
    loader = tmp_path / "out" / "p" / "freebsd" / "boot" / "loader.conf"
    loader.unlink()
    if breakage == "directory":
        loader.mkdir()
    elif breakage == "symlink-loop":
        loader.symlink_to(loader)
    else:
        os.mkfifo(loader)
    r = _with_deadline(lambda: run_cli("compile", "p.msk", "-o", "out", "--check"))
    assert r.exit_code == 1
    r = _with_deadline(lambda: run_cli("lint", "out"))
    assert r.exit_code in (0, 1)


def _with_deadline(call, seconds: float = 30):
    box: list = []
    worker = threading.Thread(target=lambda: box.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert box, "hung"
    return box[0]


def test_fifos_are_refused_not_read(tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "in.msk")
    r = _with_deadline(lambda: run_cli("compile", "in.msk", "-o", "out"))
    assert r.exit_code == 1 and "FIFO" in r.output
    (tmp_path / "main.msk").write_text('include "in.msk"\n' + profile("vm { memory = 8GiB }"))
    r = _with_deadline(lambda: run_cli("compile", "main.msk", "--target", "freebsd", "-o", "out"))
    assert r.exit_code == 1 and "FIFO" in r.output
    os.mkfifo(tmp_path / "sysctl.conf")
    r = _with_deadline(lambda: run_cli("lint", tmp_path))
    assert r.exit_code in (0, 1)
    manifest = tmp_path / "out" / "p" / "freebsd" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"generator": "mscc", "source": "in.msk", "profile": "p", "target": "freebsd"}))
    r = _with_deadline(lambda: run_cli("lint", manifest))  # its source is the FIFO
    assert r.exit_code == 1
    os.mkfifo(tmp_path / ".mscc.toml")
    r = _with_deadline(lambda: run_cli("lint", "--config", tmp_path / ".mscc.toml", "main.msk"))
    assert r.exit_code in (1, 2)


def test_did_you_mean_stays_fast_on_thousands_of_unknown_names(tmp_path):
    body = "\n".join(f"    zfs_unknown_tunable_{i} = 1" for i in range(3000))
    text = profile(f"vm {{ memory = 8GiB }}\n  zfs {{ tunables {{\n{body}\n  }} }}")
    start = time.monotonic()
    r = compile_text(tmp_path, text, target="freebsd")
    assert time.monotonic() - start < 10 and "MS407" in codes_of(r)


# --- atomic output ------------------------------------------------------------------------------------

def _bundles(tmp_path, memory: str):
    text = profile(f"vm {{ memory = {memory} }}", "a") + profile(f"vm {{ memory = {memory} }}", "b")
    return compile_text(tmp_path, text).bundles


def _state(out: Path) -> dict:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _memories(state: dict) -> set:
    """The vm.memory of every bundle, as its lima.yaml says."""
    import re

    return {re.search(rb'memory: "([^"]+)"', v).group(1).decode() for k, v in state.items() if k.endswith("lima.yaml")}


def test_an_interruption_during_the_swap_leaves_all_old_or_all_new(tmp_path, monkeypatch):
    from mscc.emit import artifacts

    out = tmp_path / "out"
    artifacts.write_bundles(out, _bundles(tmp_path, "8GiB"))
    old = _state(out)
    new_bundles = _bundles(tmp_path, "6GiB")
    real = os.replace
    calls = {"n": 0}

    def interrupted(a, b):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(a, b)
    monkeypatch.setattr(artifacts.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        artifacts.write_bundles(out, new_bundles)
    monkeypatch.setattr(artifacts.os, "replace", real)
    assert _state(out) == old
    assert not [p for p in out.iterdir() if p.name.startswith(".mscc")]


def test_a_killed_run_is_rolled_back_by_the_next_one(tmp_path):
    """A run killed between two renames (SIGKILL) leaves its journal; the next run restores
    the old bundles before writing, and removes the staging directory."""
    from mscc.emit import artifacts

    out = tmp_path / "out"
    artifacts.write_bundles(out, _bundles(tmp_path, "8GiB"))
    old = _state(out)
    staging = out / (artifacts.STAGING_PREFIX + "killed")
    (staging / "new" / "b").mkdir(parents=True)
    (staging / "new" / "b" / "x").write_text("new")
    os.replace(out / "a", staging / "old-0")
    (out / "a").mkdir()
    (out / "a" / "half").write_text("new")
    journal = [{"final": "a", "backup": "old-0"}, {"final": "b", "backup": "old-1"}]
    (staging / "journal.json").write_text(json.dumps(journal))
    artifacts.recover(out)
    assert _state(out) == old and not staging.exists()


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_a_signal_during_a_write_leaves_no_mixture(tmp_path, signal_name):
    import signal
    import subprocess

    src = tmp_path / "p.msk"
    src.write_text("".join(profile("vm { memory = 8GiB  os = freebsd }", f"p{i}") for i in range(30)))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    subprocess.run([sys.executable, "-m", "mscc", "compile", str(src), "-o", str(out)], check=True, env=env,
                   capture_output=True)
    old = _state(out)
    src.write_text(src.read_text().replace("8GiB", "6GiB"))
    for delay in (0.3, 0.6, 0.9):
        proc = subprocess.Popen([sys.executable, "-m", "mscc", "compile", str(src), "-o", str(out)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(getattr(signal, signal_name))
        proc.wait(30)
        state = _state(out)
        assert _memories(state) in ({"8GiB"}, {"6GiB"}) and len(state) == len(old)  # all old or all new
    subprocess.run([sys.executable, "-m", "mscc", "compile", str(src), "-o", str(out)], check=True, env=env,
                   capture_output=True)
    assert not [p for p in out.iterdir() if p.name.startswith(".mscc")]


def test_concurrent_runs_are_serialised(tmp_path):
    from mscc.emit import artifacts

    out = tmp_path / "out"
    first, second = _bundles(tmp_path, "8GiB"), _bundles(tmp_path, "6GiB")
    threads = [threading.Thread(target=artifacts.write_bundles, args=(out, b)) for b in (first, second) * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(_memories(_state(out))) == 1


@pytest.mark.parametrize("kind,line", [("loader", 'vfs.zfs.txg.timeout="5'), ("sysctl", "kern.x=1 # c"),
                                       ("loader", 'a="b\\\\"'), ("sysctl", "=5")])
def test_raw_lines_are_read_by_the_linters_reader_before_they_are_written(tmp_path, kind, line):
    literal = '"' + line.replace("\\", "\\\\").replace('"', '\\"') + '"'
    r = compile_text(tmp_path, profile(f"raw freebsd {{ {kind} = [{literal}] }}"))
    assert "MS603" in codes_of(r) and not r.bundles


def test_a_non_utf8_source_name_is_written_as_escapes(tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = os.fsdecode(b"a\xff.msk")
    Path(name).write_text(profile("vm { memory = 8GiB  os = freebsd }"))
    assert run_cli("compile", name, "-o", "out").exit_code == 0
    assert run_cli("compile", name, "-o", "out", "--check").exit_code == 0
    loader = (tmp_path / "out" / "p" / "freebsd" / "boot" / "loader.conf").read_bytes()
    manifest = json.loads((tmp_path / "out" / "p" / "freebsd" / "manifest.json").read_bytes())
    assert manifest["source"] == "a\\xff.msk" and b"\xff" not in loader
