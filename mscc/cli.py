"""The command line. The only place that prints or exits; everything below returns values.

Exit status: 0 success, 1 the input has errors (diagnostics printed), 2 usage errors.
"""

from __future__ import annotations

import os
import sys

import click

from mscc import __version__

TARGET_CHOICES = ("alpine", "freebsd", "netbsd", "openbsd", "all")
FORMATS = ("text", "concise", "json", "sarif", "github")


def _colour() -> bool:
    return sys.stderr.isatty() and "NO_COLOR" not in os.environ


def _default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def emit_diagnostics(diagnostics, sources, fmt: str | None, stream=None) -> None:
    from mscc import reporters

    fmt = fmt or _default_format()
    ordered = sorted(diagnostics, key=lambda d: (d.span, d.code, d.target or ""))
    out = reporters.REPORTERS[fmt](ordered, sources, colour=_colour() and fmt == "text")
    if out:
        click.echo(out, nl=False, err=stream is None and fmt in ("text", "concise"))


# Commands that live in their own modules, imported only when used, so that start-up
# (a pre-commit hook runs mscc on every commit) pays for nothing it does not run.
LAZY_COMMANDS = {
    "lint": "mscc.cli_lint:lint",
    "fmt": "mscc.cli_lint:fmt",
    "audit": "mscc.cli_audit:audit",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._available()))

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None or name not in self._available():
            return command
        import importlib

        module, attr = LAZY_COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attr)

    @staticmethod
    def _available():
        from importlib.util import find_spec

        return [n for n, target in LAZY_COMMANDS.items() if find_spec(target.split(":")[0]) is not None]


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mscc")
def main() -> None:
    """mscc — compile .msk profiles into kernel configs, ZFS tunables, VM definitions and
    build scripts for VMs on Apple Silicon Macs."""


@main.command("compile")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("-t", "--target", "target", type=click.Choice(TARGET_CHOICES), default=None,
              help="Target OS, or all. Default: each profile's vm.os.")
@click.option("-o", "--output", "output", type=click.Path(file_okay=False, path_type=str), default="out",
              show_default=True, help="Output directory; one subdirectory per profile and target.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Diagnostic format.")
@click.option("--check", "check", is_flag=True,
              help="Write nothing: exit 1 and show a diff if the files under -o differ from what FILE produces now.")
@click.option("--audit-with", "audit_with", type=click.Path(exists=True, file_okay=False, path_type=str),
              default=None, help="A Linux 6.12 tree: merge the alpine fragments just written in it and "
              "fail on any value olddefconfig drops (mscc audit).")
def compile_command(file: str, target: str | None, output: str, fmt: str | None, check: bool = False,
                    audit_with: str | None = None) -> None:
    """Compile FILE for a target and write the artifacts."""
    from pathlib import Path

    from mscc import codes
    from mscc.compiler import compile_file
    from mscc.diagnostics import diag
    from mscc.emit.artifacts import write_bundles
    from mscc.source import Span

    targets, skipped = _targets_for(target)
    result = compile_file(file, targets)
    if check:
        from mscc.cli_lint import check_generated
        sys.exit(check_generated(result, Path(output), fmt))
    if result.bundles:
        try:
            write_bundles(Path(output), result.bundles)
        except OSError as err:
            result.diagnostics.append(diag(codes.WRITE_FAILED, Span.point(output),
                                           f"cannot write {output}: {err.strerror or err}",
                                           "choose another directory with -o"))
            result.failed += result.written
            result.written = []
    audits = []
    if audit_with and result.written:
        from mscc.cli_audit import audit_compiled
        audits = audit_compiled(result, output, audit_with)
    emit_diagnostics(result.diagnostics, result.sources, fmt)
    for line in audits:
        click.echo(line, err=True)
    for line in compile_summary(result, output, skipped):
        click.echo(line, err=True)
    sys.exit(0 if result.ok else 1)


def _targets_for(target: str | None) -> tuple[list[str] | None, list[str]]:
    """The targets to compile, and for `all` the ones this installation cannot build (no
    target data or no emitter yet), which are reported as skipped rather than crashing."""
    if target != "all":
        return (None if target is None else [target]), []
    from importlib.util import find_spec

    from mscc.compiler import EMITTERS
    from mscc.targets import available

    have = set(available())
    built = [t for t in TARGET_CHOICES if t in EMITTERS and t in have and find_spec(EMITTERS[t]) is not None]
    return built, [t for t in TARGET_CHOICES if t != "all" and t not in built]


def compile_summary(result, output: str, skipped: list[str]) -> list[str]:
    """One line per profile/target pair, written or not (with the error codes that stopped it),
    then a count: what `--target all` users read to see which pairs they got."""
    from mscc.diagnostics import Severity

    lines = [f"wrote {os.path.join(output, profile, tgt)}" for profile, tgt in result.written]
    for profile, tgt in result.failed:
        stopped = sorted({d.code for d in result.diagnostics if d.severity is Severity.ERROR
                          and d.profile in (profile, None) and d.target in (tgt, None)})
        lines.append(f"not written: {profile}/{tgt} ({', '.join(stopped) or 'errors above'})")
    lines += [f"skipped: {t} (this installation has no {t} target yet)" for t in skipped]
    if len(result.written) + len(result.failed) > 1 or skipped:
        def pairs(done):
            return ", ".join(f"{p}/{t}" for p, t in done) or "none"

        lines.append(f"summary: {len(result.written)} written ({pairs(result.written)}); "
                     f"{len(result.failed)} not written ({pairs(result.failed)})")
    return lines


@main.group("hardware")
def hardware_group() -> None:
    """The chip database."""


@hardware_group.command("list")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
def hardware_list(fmt: str) -> None:
    """List every chip."""
    import json

    from mscc.resolve import hardware

    chips = hardware.chips()
    if fmt == "json":
        click.echo(json.dumps([c.facts for c in chips.values()], indent=2, ensure_ascii=False))
        return
    click.echo(f"{'id':10} {'name':16} {'cores':10} {'memory (GB)':22} isa")
    for chip in chips.values():
        cores = "/".join(str(c) for c in chip.core_counts)
        memory = ", ".join(str(m) for m in chip.memory_gb) + ("" if chip.memory_complete else " …")
        click.echo(f"{chip.id:10} {chip.name:16} {cores:10} {memory:22} {chip.isa.get('arch', '?')}")


@hardware_group.command("show")
@click.argument("chip")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
def hardware_show(chip: str, fmt: str) -> None:
    """Show every fact about CHIP, with its sources."""
    import json

    from mscc.resolve import hardware
    from mscc.suggest import did_you_mean

    chips = hardware.chips()
    if chip not in chips:
        hint = did_you_mean(chip, chips) or "see `mscc hardware list`"
        raise click.UsageError(f"unknown chip '{chip}'; {hint}")
    facts = chips[chip].facts
    if fmt == "json":
        click.echo(json.dumps(facts, indent=2, ensure_ascii=False))
        return
    sources = hardware.database()["sources"]
    click.echo(f"{facts['name']} ({facts['id']})")
    for key, fact in facts.items():
        if not isinstance(fact, dict):
            continue
        value = fact.get("value")
        if isinstance(value, list):
            value = ", ".join(_fmt_item(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        flags = "".join(f" [{f}]" for f in ("derived", "unconfirmed") if fact.get(f))
        click.echo(f"  {key}: {value}{flags}")
        for src in fact.get("source", []):
            click.echo(f"      source {src}: {sources.get(src, '?')}")
        if fact.get("note"):
            click.echo(f"      note: {fact['note']}")
    for mac in hardware.macs(chip):
        sizes = ", ".join(f"{g} GB" for g in mac["memory_gb"]) or "none sourced"
        flag = "" if mac["complete"] else " [incomplete]"
        click.echo(f"  mac: {mac['name']}: {sizes}{flag} (source {', '.join(mac['source'])})")


def _fmt_item(v) -> str:
    if isinstance(v, dict):
        return "+".join(f"{n}{k.upper()}" if k != "total" else f"{n} cores"
                        for k, n in v.items() if isinstance(n, int) and not isinstance(n, bool))
    return str(v)


@main.command("explain")
@click.argument("code")
def explain(code: str) -> None:
    """Explain a diagnostic code, with a failing and a passing example."""
    from mscc.check.engine import rules
    from mscc.diagnostics import registry
    from mscc import codes  # noqa: F401  (registers the codes)
    from mscc.suggest import did_you_mean

    code = code.upper()
    known = registry()
    if code not in known:
        by_name = {c.name: c.code for c in known.values()}
        if code.lower() in by_name:
            code = by_name[code.lower()]
        else:
            raise click.UsageError(f"unknown code '{code}'; {did_you_mean(code, known) or 'see mscc codes'}")
    entry = known[code]
    click.echo(f"{entry.code} {entry.name} ({entry.severity})")
    click.echo(f"  {entry.summary}\n")
    rule = next((r for r in rules() if r.code.code == code), None)
    if rule is None:
        from mscc.lint.examples import EXAMPLES  # codes of `mscc lint` on configuration files
        rule = EXAMPLES.get(code)
    if rule is None:
        return
    click.echo(rule.rationale + "\n")
    where = rule.example_target if " " in rule.example_target else f"target {rule.example_target}"
    click.echo(f"Fails ({where}):\n")
    click.echo(_indent(rule.fail))
    click.echo("Passes:\n")
    click.echo(_indent(rule.passes))


def _indent(text: str) -> str:
    return "".join("    " + line + "\n" if line else "\n" for line in text.splitlines())


@main.command("codes")
def list_codes() -> None:
    """List every diagnostic code."""
    from mscc import codes  # noqa: F401
    from mscc.diagnostics import registry

    for entry in sorted(registry().values(), key=lambda c: c.code):
        click.echo(f"{entry.code}  {str(entry.severity):8} {entry.name:28} {entry.summary}")


@main.command("targets")
def list_targets() -> None:
    """List the targets and the versions mscc has data for."""
    from mscc import targets

    for name in targets.available():
        info = targets.target(name)
        versions = ", ".join(sorted(info.data["versions"]))
        click.echo(f"{name:8} {info.data['title']:28} versions {versions} (default {info.data['default_version']})")


def entry() -> None:
    """The console script: a bug in mscc is reported in one line, not as a traceback."""
    # Lark imports the third-party `regex` engine whenever it is installed, for grammar
    # features mscc's grammar does not use; the stdlib `re` serves. Keeping it out saves
    # ~7 ms of every start-up, which a pre-commit hook pays on each commit. This process
    # is mscc's own, so nothing else here expects `regex`.
    sys.modules.setdefault("regex", None)
    try:
        main(prog_name="mscc")
    except Exception as err:  # noqa: BLE001 — anything reaching here is mscc's fault, not the input's
        if os.environ.get("MSCC_DEBUG"):
            raise
        click.echo(f"mscc: internal error: {type(err).__name__}: {err}\n"
                   "(this is a bug in mscc; MSCC_DEBUG=1 shows the traceback)", err=True)
        sys.exit(70)
