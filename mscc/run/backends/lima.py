"""`--backend lima`: each target OS gets one Lima instance per run, made from the first job's
emitted lima.yaml. The sequence follows limactl's own model: `list --json` → `create` if the
instance is missing → `start --timeout` (returns once the guest is ready) → `shell --workdir
DIR NAME -- sh -c …` for every command → `stop`, or `delete` with --rm. Files still go in and
out as tar streams over `shell` (mounts differ between vmTypes; FreeBSD has none before 15.1).
limactl refuses to run as root, so the tests drive a stub limactl."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import IO, Any

from mscc.run.backends.base import InfraError, ShellBackend
from mscc.run.backends.ssh import check_remote_dir
from mscc.run.jobs import Job

LIMACTL = "limactl"
DEFAULT_START_TIMEOUT = 600.0
BOOT_ATTEMPTS = 2  # a boot gets one retry


class LimaBackend(ShellBackend):
    name = "lima"
    prepare_phase = "boot"
    channel_failures = None

    def __init__(self, results: Path, options: dict[str, Any]):
        super().__init__(results, options)
        self.remote_dir = check_remote_dir(options.get("remote_dir") or "mscc-run")
        self.start_timeout: float = options.get("boot_timeout") or DEFAULT_START_TIMEOUT
        self.remove = bool(options.get("remove"))
        self.keep_vm = bool(options.get("keep_vm"))
        self.instances: dict[str, str] = {}   # target → instance name (started in this run)
        self.current: str | None = None

    def identity(self) -> dict[str, Any]:
        return {"name": self.name, "remote_dir": self.remote_dir}

    @staticmethod
    def instance_name(job: Job) -> str:
        return f"mscc-{job.target}"

    def limactl(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        try:
            return subprocess.run([LIMACTL, "--tty=false", *args], stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout, check=False, start_new_session=True)
        except FileNotFoundError:
            raise InfraError("lima: limactl is not installed (https://lima-vm.io)") from None
        except subprocess.TimeoutExpired:
            raise InfraError(f"lima: limactl {args[0]} did not finish in {timeout:.0f} s") from None

    def listing(self) -> dict[str, dict[str, Any]]:
        """`limactl list --json`: one JSON object per line, one per instance."""
        done = self.limactl("list", "--json")
        if done.returncode != 0:
            raise InfraError(f"lima: limactl list failed: {_last_line(done)}")
        found = {}
        for line in done.stdout.decode("utf-8", "replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                found[entry["name"]] = entry
        return found

    def prepare(self, job: Job, say) -> float:
        name = self.instance_name(job)
        self.current = name
        if job.target in self.instances:
            return 0.0
        began = time.monotonic()
        existing = self.listing().get(name)
        if existing is None:
            if "lima.yaml" not in job.vm_definitions:
                raise InfraError(f"lima: {job.name} has no lima.yaml to create {name} from")
            say(f"creating Lima instance {name} from {job.directory / 'lima.yaml'}")
            created = self.limactl("create", f"--name={name}", str(job.directory / "lima.yaml"), timeout=1800)
            if created.returncode != 0:
                raise InfraError(f"lima: limactl create failed: {_last_line(created)}")
            existing = {"status": "Stopped"}
        if existing.get("status") != "Running":
            seconds = f"{int(self.start_timeout)}s"
            for attempt in range(1, BOOT_ATTEMPTS + 1):
                say(f"starting {name} (attempt {attempt}, --timeout {seconds})")
                started = self.limactl("start", f"--timeout={seconds}", name, timeout=self.start_timeout + 60)
                if started.returncode == 0:
                    break
                if attempt == BOOT_ATTEMPTS:
                    raise InfraError(f"lima: {name} did not start: {_last_line(started)}")
                self.limactl("stop", "--force", name)
        self.instances[job.target] = name
        return time.monotonic() - began

    def spawn(self, script: str, *, stdin: IO[bytes] | int | None = None,
              stdout: IO[bytes] | int | None = subprocess.PIPE,
              stderr: IO[bytes] | int | None = subprocess.PIPE) -> subprocess.Popen:
        if self.current is None:
            raise InfraError("lima: no instance is running")
        # --workdir /: otherwise limactl tries the host's current directory in the guest.
        # `cd` first: relative work directories are relative to the guest user's home.
        argv = [LIMACTL, "--tty=false", "shell", "--workdir", "/", self.current, "--",
                "sh", "-c", "cd || exit 125\n" + script]
        try:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL if stdin is None else stdin, stdout=stdout,
                                    stderr=stderr, start_new_session=True)
        except FileNotFoundError:
            raise InfraError("lima: limactl is not installed (https://lima-vm.io)") from None

    def workdir(self, job: Job) -> str:
        return f"{self.remote_dir}/{job.slug}"

    def close(self, say) -> list[str]:
        consoles = []
        try:
            listing = self.listing() if self.instances else {}
        except InfraError:
            listing = {}
        for name in self.instances.values():
            consoles += self.keep_console(name, listing.get(name, {}))
            if self.keep_vm:
                say(f"lima: {name} keeps running (--keep-vm)")
                continue
            done = self.limactl("delete", "--force", name) if self.remove else self.limactl("stop", name)
            if done.returncode != 0:
                say(f"lima: stopping {name} failed: {_last_line(done)}")
        self.instances.clear()
        return consoles

    def keep_console(self, name: str, entry: dict[str, Any]) -> list[str]:
        """Copy the instance's serial console logs (Lima keeps them in its directory)."""
        directory = entry.get("dir")
        if not isinstance(directory, str):
            return []
        kept = []
        for log in sorted(Path(directory).glob("serial*.log")):
            stored = f"logs/console-{name}-{log.name}"
            try:
                shutil.copyfile(log, self.results / stored)
                kept.append(stored)
            except OSError:
                continue
        return kept


def _last_line(done: subprocess.CompletedProcess) -> str:
    lines = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"status {done.returncode}"
