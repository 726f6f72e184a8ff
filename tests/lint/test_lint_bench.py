"""The benchmark's inputs: the generated tree is what `mscc lint` is timed on, so it must be
real, clean .msk (a tree full of errors would time the error path instead)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from mscc.lint import lint_paths

ROOT = Path(__file__).resolve().parents[2]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_tree_lints_clean(tmp_path):
    bench = load_bench()
    files = bench.make_tree(tmp_path / "t", 8)
    assert len(files) == 8 and (tmp_path / "t" / "common.msk").exists()
    result = lint_paths([str(tmp_path / "t")])
    assert len(result.files) == 9
    assert [d for d in result.diagnostics if d.severity >= 2] == []


def test_compared_commands_take_turns(tmp_path):
    """The commands a ratio compares alternate, so that a load change falls on both alike."""
    import sys

    def mark(letter):
        return [sys.executable, "-c", f"open('order', 'a').write({letter!r})"]

    results = load_bench().timed_together({"a": mark("a"), "b": mark("b")}, 2, tmp_path)
    assert (tmp_path / "order").read_text() == "ababab"  # a warm-up round, then two measured
    assert all(r["runs"] == 2 and r["cpu"] > 0 and r["min"] <= r["median"] for r in results.values())


def test_the_child_environment_writes_bytecode(monkeypatch):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert "PYTHONDONTWRITEBYTECODE" not in load_bench().child_env()


# What one-file `mscc lint` must leave unloaded (issue 10: its CPU time is held against
# yamllint's). A .msk profile without raw lines needs no emitter beyond its target's checks,
# no name table, no Kconfig reader, no raw-line encoder, no template engine, no schema
# validator, and no decimal arithmetic for its whole-number sizes; a configuration file needs
# no parser of .msk at all.
_NEVER_FOR_MSK = {
    "jinja2", "jsonschema", "regex", "decimal", "mscc.linux.kconfig", "mscc.emit.alpine_kconfig",
    "mscc.knowledge.names", "mscc.emit.encoders", "mscc.emit.raw_lines", "mscc.emit.artifacts",
    "mscc.emit.render", "mscc.emit.common", "mscc.emit.zfsplan", "mscc.fmt",
    "mscc.cli.compile", "mscc.cli.audit", "mscc.cli.run", "mscc.cli.ci", "mscc.cli.info", "mscc.cli.verify",
}
_NEVER_FOR_CONF = _NEVER_FOR_MSK | {"lark", "mscc.compiler", "mscc.parse.parser", "mscc.check.engine",
                                    "mscc.resolve.resolver"}


def _modules_after_lint(path: Path) -> set[str]:
    """The modules `mscc lint PATH` has loaded when it is done, run as the console script runs."""
    import os
    import subprocess
    import sys

    program = ("import sys\n"
               "from mscc.cli import entry\n"
               f"sys.argv = ['mscc', 'lint', {str(path)!r}]\n"
               "try:\n    entry()\nexcept SystemExit as done:\n    code = done.code\n"
               "print(' '.join(m for m, v in sys.modules.items() if v is not None))\n"
               "sys.stderr.write(f'exit {code}')\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.stderr.endswith("exit 0"), done.stderr
    return set(done.stdout.split("\n")[-2].split())


def test_a_msk_lint_loads_only_what_it_uses():
    for example, target in (("m3.msk", "freebsd"), ("m1-air.msk", "alpine")):
        loaded = _modules_after_lint(ROOT / "examples" / example)
        assert "mscc.lint.msk" in loaded and f"mscc.emit.{target}" in loaded  # the test runs the path it guards
        assert loaded & _NEVER_FOR_MSK == set(), example
        other_targets = {f"mscc.emit.{t}" for t in ("alpine", "freebsd", "netbsd", "openbsd")} - {f"mscc.emit.{target}"}
        assert loaded & other_targets == set(), example


def test_a_config_file_lint_loads_no_msk_pipeline(tmp_path):
    conf = tmp_path / "loader.conf"
    conf.write_text('zfs_load="YES"\n', encoding="utf-8")
    loaded = _modules_after_lint(conf)
    assert "mscc.lint.loader_conf" in loaded
    assert loaded & _NEVER_FOR_CONF == set()
