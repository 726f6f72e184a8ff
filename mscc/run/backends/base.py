"""What every backend provides, and the shared implementation for backends that reach the
machine running the job through a command channel that runs `sh` (local, ssh, lima, qemu).

Files go in and out as tar streams over that channel (rsync is not everywhere); the build's pid
is recorded by the wrapper script and its tree is killed from `ps` output (killtree.py).
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mscc.run.artifacts import MAX_ARTIFACT_BYTES, Artifact, describe, stored_name
from mscc.run.jobs import Job
from mscc.run.killtree import KILL_TREE_SH
from mscc.run.shell import build_wrapper, collect_script

# Commands other than the build (copying, listing, killing) get this long.
COMMAND_TIMEOUT = 600.0


class InfraError(Exception):
    """The machinery failed (boot, connection, copy), not the build: exit status 3."""


@dataclass
class Running:
    """A build in progress: its output stream and how to stop it."""

    process: subprocess.Popen
    job: Job
    backend: Backend

    def kill(self) -> str:
        """Kill the build's process tree; return the "still alive: …" line."""
        return self.backend.kill(self)

    def exit_code(self) -> int:
        return self.backend.exit_code(self)


class Backend:
    """The life of a run: prepare (boot once per OS) → per job sync_in, start, sync_out,
    cleanup → close (stop VMs, keep console logs)."""

    name = "base"
    dry_run = False
    # The phase name of prepare() in progress lines ("connect", "boot"); None: nothing to do.
    prepare_phase: str | None = None

    def __init__(self, results: Path, options: dict[str, Any]):
        self.results = results
        self.options = options

    def identity(self) -> dict[str, Any]:
        """What the cache key and the report record about where jobs run."""
        return {"name": self.name}

    def prepare(self, job: Job, say) -> float:
        """Make the machine for JOB ready; return the seconds spent booting (0 when reused)."""
        return 0.0

    def sync_in(self, job: Job) -> None:
        raise NotImplementedError

    def start(self, job: Job, env: dict[str, str]) -> Running:
        raise NotImplementedError

    def kill(self, running: Running) -> str:
        raise NotImplementedError

    def exit_code(self, running: Running) -> int:
        raise NotImplementedError

    def sync_out(self, job: Job, env: dict[str, str]) -> list[Artifact]:
        return []

    def cleanup(self, job: Job) -> None:
        pass

    def close(self, say) -> list[str]:
        """Stop what prepare started; return the console logs kept (paths under RESULTS)."""
        return []


class ShellBackend(Backend):
    """A backend whose only primitive is `spawn`: run a sh script at the target."""

    def workdir(self, job: Job) -> str:
        raise NotImplementedError

    def run_files(self, job: Job) -> str:
        """Path prefix (at the target) of the job's .pid and .status files."""
        return self.workdir(job) + ".run"

    def spawn(self, script: str, *, stdin: IO[bytes] | int | None = None,
              stdout: IO[bytes] | int | None = subprocess.PIPE,
              stderr: IO[bytes] | int | None = subprocess.PIPE) -> subprocess.Popen:
        """Run SCRIPT under sh at the target. With `stdin`, SCRIPT must be one line and the
        stream is its standard input; without, the script's stdin is empty."""
        raise NotImplementedError

    # -- helpers built on spawn ---------------------------------------------------------
    def run(self, script: str, *, stdin: IO[bytes] | int | None = None,
            timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess:
        process = self.spawn(script, stdin=stdin)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise InfraError(f"{self.name}: a command did not finish in {timeout:.0f} s") from None
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def check(self, script: str, what: str, **kwargs) -> bytes:
        done = self.run(script, **kwargs)
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise InfraError(f"{self.name}: {what} failed (status {done.returncode})"
                             + (": " + " / ".join(detail) if detail else ""))
        return done.stdout

    def sync_in(self, job: Job) -> None:
        work = shlex.quote(self.workdir(job))
        packer = subprocess.Popen(["tar", "-C", str(job.directory), "-cf", "-", "."],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            assert packer.stdout is not None
            self.check(f"rm -rf {work} && mkdir -p {work} && cd {work} && tar -xf -",
                       "copying the job in (tar)", stdin=packer.stdout)
        finally:
            if packer.stdout:
                packer.stdout.close()
            if packer.wait() != 0:
                raise InfraError(f"tar could not read {job.directory}")

    def start(self, job: Job, env: dict[str, str]) -> Running:
        # Only a build installs a kernel; verify.sh and bench.sh print records and nothing else.
        target = job.target if job.task.copies_artifacts else ""
        wrapper = build_wrapper(self.workdir(job), self.run_files(job), job.script, env, target)
        process = self.spawn(wrapper, stderr=subprocess.STDOUT)
        return Running(process, job, self)

    def kill(self, running: Running) -> str:
        pid_file = shlex.quote(self.run_files(running.job) + ".pid")
        script = (f"[ -r {pid_file} ] || {{ echo 'still alive: none (the build never started)'; exit 0; }}\n"
                  f"read -r pid parent <{pid_file}\nset -- \"$pid\" \"$parent\"\n" + KILL_TREE_SH)
        try:
            out = self.check(script, "killing the build's process tree", timeout=60)
        except InfraError as err:
            return f"still alive: unknown ({err})"
        lines = out.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "still alive: unknown"

    # Exit statuses of the command channel itself (ssh: 255); lima's client has no reserved one.
    channel_failures: frozenset[int] | None = frozenset({255})

    def exit_code(self, running: Running) -> int:
        """The build's exit status. A nonzero status of the channel is confirmed against the
        status file the wrapper wrote: the channel's own failure is an infrastructure error."""
        code = running.process.wait()
        if code == 0:
            return 0
        status = shlex.quote(self.run_files(running.job) + ".status")
        try:
            text = self.check(f"cat {status}", "reading the build's exit status", timeout=60)
            return int(text.decode().strip())
        except (InfraError, ValueError):
            if code < 0 or self.channel_failures is None or code in self.channel_failures:
                raise InfraError(f"{self.name}: the connection failed during the build "
                                 f"(status {code})") from None
            return code

    def sync_out(self, job: Job, env: dict[str, str]) -> list[Artifact]:
        listing = self.check(collect_script(self.workdir(job), job.target), "listing artifacts")
        paths = [p for p in listing.decode("utf-8", "replace").splitlines() if p]
        dest = self.results / "artifacts" / job.slug
        found: list[Artifact] = []
        for root, group in (("rel", [p for p in paths if not p.startswith("/")]),
                            ("/", [p for p in paths if p.startswith("/")])):
            if not group:
                continue
            base = self.workdir(job) if root == "rel" else "/"
            members = " ".join(shlex.quote(stored_name(p)) for p in group)
            dest.mkdir(parents=True, exist_ok=True)
            unpacker = subprocess.Popen(["tar", "-C", str(dest), "-xf", "-"], stdin=subprocess.PIPE,
                                        stderr=subprocess.PIPE, start_new_session=True)
            try:
                assert unpacker.stdin is not None
                source = self.spawn(f"cd {shlex.quote(base)} && tar -cf - {members}", stdout=unpacker.stdin)
                unpacker.stdin.close()
                _, err = source.communicate(timeout=COMMAND_TIMEOUT)
                if source.returncode != 0:
                    raise InfraError(f"copying artifacts out failed: {err.decode('utf-8', 'replace').strip()}")
            finally:
                if unpacker.wait() != 0:
                    raise InfraError("tar could not unpack the artifacts")
            for path in group:
                stored = f"artifacts/{job.slug}/{stored_name(path)}"
                file = self.results / stored
                if file.is_file() and not file.is_symlink() and file.stat().st_size <= MAX_ARTIFACT_BYTES:
                    found.append(describe(self.results, path, stored))
        return found

    def cleanup(self, job: Job) -> None:
        work = shlex.quote(self.workdir(job))
        files = shlex.quote(self.run_files(job))
        self.run(f"rm -rf {work} {files}.pid {files}.status", timeout=120)
