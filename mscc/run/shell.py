"""The sh text the runner sends to wherever a job runs. Every value is quoted with
shlex.quote; the scripts are sent on stdin to `sh -s` (or as `sh -c` locally), never through a
login shell's own parser, since a BSD root shell may be csh."""

from __future__ import annotations

import re
import shlex

from mscc.run.artifacts import INSTALLED_IN_GUEST, declared

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Set by the runner; --env cannot override these (it would make results depend on the host).
RESERVED = ("HOME",)


def parse_env(items: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """--env VAR=VALUE pairs, in order, later ones winning; problems for malformed ones."""
    env: dict[str, str] = {}
    problems = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not ENV_NAME.fullmatch(name):
            problems.append(f"--env {item!r}: expected VAR=VALUE with VAR a shell variable name")
        elif name in RESERVED:
            problems.append(f"--env {name}: set by the runner")
        elif "\0" in value:
            problems.append(f"--env {name}: the value contains a NUL byte")
        else:
            env[name] = value
    return env, problems


def _env_words(env: dict[str, str]) -> str:
    """`env -i` arguments: an explicit environment, nothing inherited but HOME."""
    words = ['HOME="$HOME"', f"PATH={shlex.quote(env.get('PATH', DEFAULT_PATH))}", "LC_ALL=C"]
    words += [shlex.quote(f"{k}={v}") for k, v in env.items() if k != "PATH"]
    return " ".join(words)


def build_wrapper(workdir: str, run_files: str, script: str, env: dict[str, str], target: str = "") -> str:
    """Record `PID PPID` in RUN_FILES.pid, run SCRIPT under sh in WORKDIR with an explicit
    environment and stdin from /dev/null, and record its exit status in RUN_FILES.status (an
    ssh client's own 255 cannot be told from a build's 255 otherwise). For a target whose
    build.sh installs the kernel in the guest, print the running kernel's `uname -v` after it."""
    q = shlex.quote
    return (
        f"echo \"$$ $PPID\" >{q(run_files + '.pid')} || exit 125\n"
        # A subshell changes directory, so relative RUN_FILES stay relative to where we are.
        f"(cd {q(workdir)} && exec env -i {_env_words(env)} sh {q('./' + script)} </dev/null 2>&1)\n"
        "status=$?\n"
        + (RUNNING_KERNEL_SH if target in INSTALLED_IN_GUEST else "")
        + f"echo \"$status\" >{q(run_files + '.status')}\n"
        "exit \"$status\"\n"
    )


# The line a rebooting backend would compare (docs/run.md, "The kernel the VM boots"): before a
# reboot it shows the kernel the guest booted with, after it the ident build.sh installed.
RUNNING_KERNEL_SH = "echo \"mscc-run: running kernel (uname -v): $(uname -v 2>/dev/null)\"\n"


def collect_script(workdir: str, target: str) -> str:
    """Print, one per line, each declared artifact of TARGET that exists as a regular file.
    The patterns are the runner's own constants (artifacts.DECLARED), expanded by sh."""
    patterns = " ".join(declared(target))
    if not patterns:
        return "exit 0\n"
    return (
        f"cd {shlex.quote(workdir)} || exit 1\n"
        f"for f in {patterns}; do\n"
        '    if [ -f "$f" ] && [ ! -h "$f" ]; then printf \'%s\\n\' "$f"; fi\n'
        "done\n"
    )
