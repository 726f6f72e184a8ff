"""`mscc run` and `mscc build-all`: the command line of the runner (mscc/run/), and the options
and execution `mscc verify` and `mscc bench` (mscc/cli/verify.py) share with them.

Exit status: 0 every job passed or was cached, 1 a build failed or timed out (or, for
build-all, the compile failed; for verify, a setting does not hold), 2 usage,
3 infrastructure (boot, connection, copy), 130 interrupted.
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
from mscc.run.tasks import BUILD, Task

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


def runner_options(task: Task) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options of every command that runs jobs (`mscc run`, `build-all`, `verify`, `bench`),
    in help order, with TASK's defaults. --resume only for builds: a verify or a bench reads the
    guest as it is now, which no earlier report can stand for."""
    script = task.script
    where = "report.json, logs/ and artifacts/" if task.copies_artifacts else \
        "report.json and logs/" + (" and figures/" if task.name == "bench" else "")
    options = [
        click.option("--only", "only", multiple=True, metavar="PROFILE/TARGET",
                     help="Run only these jobs (repeatable; PROFILE or /TARGET match more)."),
        click.option("--backend", type=click.Choice(tuple(BACKENDS)), default="dry-run", show_default=True,
                     help="Where jobs run; dry-run prints the plan and checks scripts with sh -n."),
        click.option("--env", "env", multiple=True, metavar="VAR=VALUE",
                     help=f"Environment of every {script} (repeatable); nothing else is inherited."),
        click.option("--timeout", type=Duration(), default=task.timeout, show_default=True,
                     help=f"Overall time limit of one {script}."),
        click.option("--no-output-timeout", type=Duration(), default=task.no_output_timeout, show_default=True,
                     help=f"Stop a {script} that prints nothing for this long."),
        click.option("--results", type=click.Path(file_okay=False, path_type=Path), default=Path(task.results),
                     show_default=True, help=f"Where {where} go."),
        *([click.option("--resume", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
                        metavar="REPORT", help="Skip jobs that passed in REPORT with the same cache key.")]
          if task.name == BUILD.name else []),
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

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


run_options = runner_options(BUILD)


BACKEND_KEYS = ("host", "port", "identity", "ssh_options", "remote_dir", "boot_timeout", "remove",
                "kernel", "initrd", "disk", "cmdline", "keep_vm")


def execute(out: Path, kwargs: dict, task: Task = BUILD) -> int:
    """Run TASK's script in every selected job under OUT; print as asked; return the exit status."""
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
    found = joblist.discover(out, task)
    chosen, unmatched = joblist.select(found.jobs, tuple(kwargs["only"]))
    if unmatched:
        names = ", ".join(j.name for j in found.jobs) or "none"
        raise click.UsageError(f"--only {', '.join(unmatched)} matches no job (jobs: {names})")
    stream = sys.stderr if kwargs["fmt"] == "json" else sys.stdout
    console = Console(stream)
    for problem in found.problems:
        console.say(f"mscc {_verb(task)}: {problem}")
    if not chosen:
        raise click.UsageError(f"no job under {out}: no PROFILE/TARGET/manifest.json lists a {task.kind}")
    results: Path = kwargs["results"]
    overwritten = _other_task_report(results / "report.json", task)
    if overwritten:
        raise click.UsageError(f"{results / 'report.json'} records a {overwritten}; give this {task.name} "
                               f"its own --results (default {task.results})")
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
                         no_output_timeout=kwargs["no_output_timeout"], resume=kwargs.get("resume"),
                         keep_going=kwargs["keep_going"], task=task)
    runner = Runner(backend, options, console)
    unusable = runner.load_resume()
    if unusable:
        raise click.UsageError(f"--resume: {unusable}")
    try:
        results.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise click.UsageError(f"cannot create {results}: {err.strerror or err}") from None
    console.say(f"mscc {_verb(task)}: {len(chosen)} job(s) with the {backend.name} backend; results in {results}")
    doc, code = runner.run(chosen)
    if task.name != BUILD.name:
        from mscc.run.readback import conclusions

        for line in conclusions(doc, results, task.name):
            console.say(line)
    summary = doc["summary"]
    counts = ", ".join(f"{summary[k]} {k}" for k in ("passed", "cached", "failed", "timeout", "infra-error",
                                                     "not-run") if summary[k])
    console.say(f"summary: {counts or 'nothing ran'}; report {results / 'report.json'}; exit {code}")
    if kwargs["fmt"] == "json":
        click.echo(json.dumps(doc, indent=2))
    return code


def _verb(task: Task) -> str:
    return "run" if task.name == BUILD.name else task.name


def _other_task_report(path: Path, task: Task) -> str | None:
    """The task an existing report at PATH records, when it is not TASK (a verify must not
    overwrite the build report whose artifacts `--kernel-from` and `--resume` read)."""
    from mscc.run.report import FORMAT, task_of

    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None  # no report, or one nothing can use: written over, as before
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return None
    other = task_of(doc)
    return other if other != task.name else None


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
