"""`mscc run` and `mscc build-all`: the command line of the runner (mscc/run/).

Exit status: 0 every job passed or was cached, 1 a build failed or timed out (or, for
build-all, the compile failed), 2 usage, 3 infrastructure (boot, connection, copy),
130 interrupted.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import click

from mscc.cli.ci import run_ci_dispatch, run_ci_options
from mscc.run.backends import BACKENDS

DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)([smhd]?))")
UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """'6h', '30m', '90s', '1h30m', '2.5' (seconds) → seconds; ValueError otherwise."""
    text = text.strip()
    pos, total = 0, 0.0
    while pos < len(text):
        match = DURATION.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(text)
        total += float(match.group(1)) * UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if not text or total <= 0 or total > 30 * 86400:
        raise ValueError(text)
    return total


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        try:
            return parse_duration(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a duration such as 90s, 30m, 6h or 1h30m", param, ctx)


def run_options(func: Callable[..., None]) -> Callable[..., None]:
    """The options `mscc run` and `mscc build-all` share, in help order."""
    options = [
        click.option("--only", "only", multiple=True, metavar="PROFILE/TARGET",
                     help="Run only these jobs (repeatable; PROFILE or /TARGET match more)."),
        click.option("--backend", type=click.Choice(tuple(BACKENDS)), default="dry-run", show_default=True,
                     help="Where jobs run; dry-run prints the plan and checks scripts with sh -n."),
        click.option("--env", "env", multiple=True, metavar="VAR=VALUE",
                     help="Environment of every build (repeatable); nothing else is inherited."),
        click.option("--timeout", type=Duration(), default="6h", show_default=True,
                     help="Overall time limit of one build."),
        click.option("--no-output-timeout", type=Duration(), default="30m", show_default=True,
                     help="Stop a build that prints nothing for this long."),
        click.option("--results", type=click.Path(file_okay=False, path_type=Path), default=Path("results"),
                     show_default=True, help="Where report.json, logs/ and artifacts/ go."),
        click.option("--resume", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
                     metavar="REPORT", help="Skip jobs that passed in REPORT with the same cache key."),
        click.option("--keep-going", is_flag=True, help="Run every job even after one fails."),
        click.option("--keep-vm", is_flag=True, help="Leave the VM (or Lima instance) running."),
        click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
                     help="json: print report.json on stdout (progress goes to stderr)."),
        click.option("--host", default=None, metavar="[USER@]HOST", help="ssh: the machine to build on."),
        click.option("--port", type=click.IntRange(1, 65535), default=None, help="ssh: port."),
        click.option("--identity", type=click.Path(dir_okay=False, path_type=str), default=None,
                     help="ssh/qemu: private key file."),
        click.option("--ssh-option", "ssh_options", multiple=True, metavar="NAME=VALUE",
                     help="ssh/qemu: an extra ssh -o option (repeatable)."),
        click.option("--remote-dir", default="mscc-run", show_default=True,
                     help="ssh/lima/qemu: work directory at the target (relative to its home)."),
        click.option("--boot-timeout", type=Duration(), default=None,
                     help="Time for a machine to answer (ssh: 30s, qemu: 10m, lima: 10m)."),
        click.option("--rm", "remove", is_flag=True, help="lima: delete the instance at the end."),
        click.option("--kernel", type=click.Path(dir_okay=False, path_type=str), default=None,
                     help="qemu: kernel image to boot."),
        click.option("--kernel-from", "kernel_from", default=None, metavar="REPORT[:PROFILE/TARGET]",
                     help="qemu: boot the kernel a finished job built (its artifact in that report.json)."),
        click.option("--initrd", type=click.Path(dir_okay=False, path_type=str), default=None,
                     help="qemu: initrd."),
        click.option("--disk", type=click.Path(dir_okay=False, path_type=str), default=None,
                     help="qemu: disk image."),
        click.option("--append", "cmdline", default=None, help="qemu: kernel command line."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


BACKEND_KEYS = ("host", "port", "identity", "ssh_options", "remote_dir", "boot_timeout", "remove",
                "kernel", "initrd", "disk", "cmdline", "keep_vm")


def execute(out: Path, kwargs: dict) -> int:
    """Run every selected job under OUT; print as asked; return the exit status."""
    from mscc.run import jobs as joblist
    from mscc.run.backends import load
    from mscc.run.console import Console
    from mscc.run.engine import Runner, RunOptions
    from mscc.run.shell import parse_env

    env, problems = parse_env(tuple(kwargs["env"]))
    if problems:
        raise click.UsageError("; ".join(problems))
    if not out.is_dir():
        raise click.UsageError(f"{out} is not a directory (run `mscc compile` first)")
    found = joblist.discover(out)
    chosen, unmatched = joblist.select(found.jobs, tuple(kwargs["only"]))
    if unmatched:
        names = ", ".join(j.name for j in found.jobs) or "none"
        raise click.UsageError(f"--only {', '.join(unmatched)} matches no job (jobs: {names})")
    stream = sys.stderr if kwargs["fmt"] == "json" else sys.stdout
    console = Console(stream)
    for problem in found.problems:
        console.say(f"mscc run: {problem}")
    if not chosen:
        raise click.UsageError(f"no job under {out}: no PROFILE/TARGET/manifest.json lists a build-script")
    results: Path = kwargs["results"]
    backend_options = {k: kwargs[k] for k in BACKEND_KEYS}
    if kwargs.get("kernel_from"):
        from mscc.run.artifacts import kernel_from_report
        if kwargs["kernel"]:
            raise click.UsageError("--kernel and --kernel-from exclude each other")
        try:
            backend_options["kernel"] = str(kernel_from_report(str(kwargs["kernel_from"])))
        except ValueError as err:
            raise click.UsageError(str(err)) from None
    try:
        backend = load(kwargs["backend"])(results, backend_options)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    options = RunOptions(results=results, env=env, timeout=kwargs["timeout"],
                         no_output_timeout=kwargs["no_output_timeout"], resume=kwargs["resume"],
                         keep_going=kwargs["keep_going"])
    runner = Runner(backend, options, console)
    unusable = runner.load_resume()
    if unusable:
        raise click.UsageError(f"--resume: {unusable}")
    try:
        results.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise click.UsageError(f"cannot create {results}: {err.strerror or err}") from None
    console.say(f"mscc run: {len(chosen)} job(s) with the {backend.name} backend; results in {results}")
    doc, code = runner.run(chosen)
    summary = doc["summary"]
    counts = ", ".join(f"{summary[k]} {k}" for k in ("passed", "cached", "failed", "timeout", "infra-error",
                                                     "not-run") if summary[k])
    console.say(f"summary: {counts or 'nothing ran'}; report {results / 'report.json'}; exit {code}")
    if kwargs["fmt"] == "json":
        click.echo(json.dumps(doc, indent=2))
    return code


@click.command("run")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path), required=False)
@run_options
@run_ci_options
def run(out: Path | None, **kwargs: object) -> None:
    """Run the build scripts `mscc compile` wrote under OUT, one job per PROFILE/TARGET."""
    # --plan and --merge-reports (mscc/ci) replace the run; without them OUT is required.
    ci_code = run_ci_dispatch(out, kwargs)
    if ci_code is not None or out is None:
        sys.exit(ci_code)
    sys.exit(execute(out, kwargs))


@click.command("build-all")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("-t", "--target", "target", default=None,
              help="Target OS, or all (as for mscc compile). Default: each profile's vm.os.")
@click.option("-o", "--output", "output", type=click.Path(file_okay=False, path_type=str), default="out",
              show_default=True, help="Where the compiled files go (then run from there).")
@run_options
@click.pass_context
def build_all(ctx: click.Context, /, file: str, target: str | None, output: str, **kwargs: object) -> None:
    """Compile FILE, then run every profile/target pair it wrote, in order."""
    from mscc.cli.compile import compile_command

    try:
        ctx.invoke(compile_command, file=file, target=target, output=output, fmt=None)
        compiled = 0
    except SystemExit as done:
        compiled = done.code if isinstance(done.code, int) else 1
    if compiled == 2:
        sys.exit(2)
    out = Path(output)
    if not out.is_dir() or not any(out.glob("*/*/manifest.json")):
        sys.exit(compiled or 1)
    code = execute(out, kwargs)
    # A compile error (a pair not written) fails the whole build-all, after the rest ran.
    sys.exit(code if code != 0 else compiled)
