"""`--backend dry-run` (the default): print the plan and check every script with `sh -n`.
Nothing is executed and nothing is copied."""

from __future__ import annotations

import subprocess

from mscc.run.backends.base import Backend
from mscc.run.jobs import Job


class DryRunBackend(Backend):
    name = "dry-run"
    dry_run = True

    def check_scripts(self, job: Job) -> list[tuple[str, int, str]]:
        """(script, status, sh's message) for each shell script of the job."""
        checked = []
        for script in job.shell_scripts:
            path = job.directory / script
            if path.is_symlink() or not path.is_file():
                checked.append((script, 1, "not a regular file"))
                continue
            done = subprocess.run(["sh", "-n", str(path)], check=False, stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=60)
            checked.append((script, done.returncode, done.stderr.decode("utf-8", "replace").strip()))
        return checked
