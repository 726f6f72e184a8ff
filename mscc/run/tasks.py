"""What a run executes in each PROFILE/TARGET: the one registry of the runner's tasks.

`mscc run` builds (build.sh), `mscc verify` reads the guest back (verify.sh) and `mscc bench`
measures it (bench.sh). The three share discovery, backends, timeouts, logs and report.json;
they differ in the manifest kind of the script they run, whether artifacts come back, and what
the runner makes of the script's output (mscc/run/readback.py). This module imports nothing
of the runner: the command line reads its defaults at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    name: str                  # the command (`mscc NAME`), the phase name and report.json's `task`
    kind: str                  # the manifest kind of the script it runs
    script: str                # that script's name as the emitters write it (help and messages)
    copies_artifacts: bool     # build.sh leaves a kernel behind; verify.sh and bench.sh print only
    results: str               # default --results: a verify must not overwrite the build's report
    timeout: str               # default --timeout
    no_output_timeout: str     # default --no-output-timeout


TASKS: dict[str, Task] = {
    "build": Task("build", "build-script", "build.sh", True, "results", "6h", "30m"),
    # verify.sh reads a few dozen values: minutes are plenty, even under TCG.
    "verify": Task("verify", "verify-script", "verify.sh", False, "results/verify", "10m", "5m"),
    # bench.sh repeats each timed figure (REPEAT=5) and prints after each figure; a scrub of
    # DATA_MIB on a slow disk is its longest silence.
    "bench": Task("bench", "bench-script", "bench.sh", False, "results/bench", "2h", "30m"),
}
BUILD = TASKS["build"]
