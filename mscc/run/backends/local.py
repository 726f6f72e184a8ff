"""`--backend local`: run each job on this machine, in a scratch copy under RESULTS/work/, in a
new session, with an explicit environment and stdin from /dev/null. For Linux (and cross)
builds, and inside CI jobs."""

from __future__ import annotations

import os
import platform
import subprocess
from typing import IO, Any

from mscc.run.backends.base import ShellBackend
from mscc.run.jobs import Job
from mscc.run.shell import DEFAULT_PATH


class LocalBackend(ShellBackend):
    name = "local"

    def identity(self) -> dict[str, Any]:
        uname = platform.uname()
        return {"name": self.name, "host": uname.node, "system": uname.system, "machine": uname.machine}

    def workdir(self, job: Job) -> str:
        return str((self.results / "work" / job.slug).resolve())

    def spawn(self, script: str, *, stdin: IO[bytes] | int | None = None,
              stdout: IO[bytes] | int | None = subprocess.PIPE,
              stderr: IO[bytes] | int | None = subprocess.PIPE) -> subprocess.Popen:
        # A new session: Ctrl-C at the terminal reaches only the runner, which then kills the
        # build's tree itself and can say what is still alive.
        env = {"PATH": os.environ.get("PATH", DEFAULT_PATH), "HOME": os.environ.get("HOME", "/")}
        return subprocess.Popen(["sh", "-c", script], stdin=subprocess.DEVNULL if stdin is None else stdin,
                                stdout=stdout, stderr=stderr, env=env, start_new_session=True)
