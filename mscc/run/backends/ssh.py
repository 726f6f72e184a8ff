"""`--backend ssh`: any machine reachable over ssh (a builder, a VM the qemu backend booted).

As Lima does: poll `ssh true` until the machine answers, then start a ControlMaster explicitly
(with its output on /dev/null: a master started by the first command inherits that command's
pipes and blocks whoever reads them), and send every later command over it. Scripts go to
`sh -s` on stdin, so a csh login shell never parses them.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from mscc.run.backends.base import InfraError, ShellBackend
from mscc.run.jobs import Job

SSH_OPTION = re.compile(r"[A-Za-z][A-Za-z0-9]*=[^\n\r\0]*")
DESTINATION = re.compile(r"(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9._:\[\]-]+")
POLL_INTERVAL = 1.0


def check_remote_dir(path: str) -> str:
    if not path or any(ch in path for ch in "\n\r\0") or ".." in Path(path).parts:
        raise ValueError(f"--remote-dir {path!r}: a directory path without '..' or control characters")
    return path.rstrip("/") or "/"


class SshBackend(ShellBackend):
    name = "ssh"
    prepare_phase = "connect"
    default_ready_timeout = 30.0

    def __init__(self, results: Path, options: dict[str, Any]):
        super().__init__(results, options)
        self.destination = options.get("host") or ""
        if not self.destination and self.name == "ssh":
            raise ValueError("--backend ssh needs --host [USER@]HOST")
        if self.destination and not DESTINATION.fullmatch(self.destination):
            raise ValueError(f"--host {self.destination!r} is not [USER@]HOST")
        self.port: int | None = options.get("port")
        self.identity_file: str | None = options.get("identity")
        for option in options.get("ssh_options") or ():
            if not SSH_OPTION.fullmatch(option):
                raise ValueError(f"--ssh-option {option!r}: expected NAME=VALUE")
        self.ssh_options: tuple[str, ...] = tuple(options.get("ssh_options") or ())
        self.remote_dir = check_remote_dir(options.get("remote_dir") or "mscc-run")
        self.ready_timeout: float = options.get("boot_timeout") or self.default_ready_timeout
        self.control_dir: str | None = None
        self.connected = False

    def identity(self) -> dict[str, Any]:
        return {"name": self.name, "destination": self.destination, "port": self.port or 22,
                "remote_dir": self.remote_dir}

    # -- the channel ---------------------------------------------------------------------
    def base_argv(self) -> list[str]:
        argv = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15",
                "-o", "ServerAliveCountMax=4", "-o", "LogLevel=ERROR"]
        if self.port:
            argv += ["-p", str(self.port)]
        if self.identity_file:
            argv += ["-i", self.identity_file, "-o", "IdentitiesOnly=yes"]
        for option in self.ssh_options:
            argv += ["-o", option]
        if self.control_dir:
            argv += ["-o", f"ControlPath={self.control_dir}/master"]
        return argv

    def wait_until_ready(self, deadline: float, say) -> None:
        """Poll `ssh true` (without a master) until it succeeds or DEADLINE passes."""
        last = ""
        while True:
            # ssh keeps the first value of an option: this one wins over base_argv's, so a
            # poll never outlives the deadline by more than a second.
            wait = max(1, min(10, int(deadline - time.monotonic()) + 1))
            try:
                done = subprocess.run(["ssh", "-o", f"ConnectTimeout={wait}", *self.base_argv()[1:],
                                       "-o", "ControlMaster=no", "-o", "ControlPath=none",
                                       self.destination, "true"], stdin=subprocess.DEVNULL,
                                      capture_output=True, timeout=30, check=False, start_new_session=True)
                if done.returncode == 0:
                    return
                lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
                last = lines[-1] if lines else f"status {done.returncode}"
            except subprocess.TimeoutExpired:
                last = "ssh true did not answer in 30 s"
            if time.monotonic() >= deadline:
                raise InfraError(f"{self.name}: {self.destination} did not answer ssh"
                                 + (f" ({last})" if last else ""))
            time.sleep(POLL_INTERVAL)

    def start_master(self) -> None:
        self.control_dir = tempfile.mkdtemp(prefix="mscc-ssh-")  # short: a socket path has ~100 bytes
        master = subprocess.run([*self.base_argv(), "-o", "ControlMaster=yes", "-o", "ControlPersist=yes",
                                 "-f", "-N", self.destination], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60, check=False,
                                start_new_session=True)
        if master.returncode != 0:
            raise InfraError(f"{self.name}: could not start the ssh ControlMaster: "
                             f"{master.stderr.decode('utf-8', 'replace').strip()}")
        self.connected = True

    def prepare(self, job: Job, say) -> float:
        if self.connected:
            return 0.0
        began = time.monotonic()
        self.wait_until_ready(began + self.ready_timeout, say)
        self.start_master()
        return time.monotonic() - began

    def spawn(self, script: str, *, stdin: IO[bytes] | int | None = None,
              stdout: IO[bytes] | int | None = subprocess.PIPE,
              stderr: IO[bytes] | int | None = subprocess.PIPE) -> subprocess.Popen:
        argv = [*self.base_argv(), "-o", "ControlMaster=no", self.destination]
        if stdin is None:
            process = subprocess.Popen([*argv, "sh -s"], stdin=subprocess.PIPE, stdout=stdout, stderr=stderr,
                                       start_new_session=True)
            assert process.stdin is not None
            try:
                process.stdin.write(script.encode("utf-8"))
                process.stdin.close()
            except BrokenPipeError:
                pass
            process.stdin = None  # closed: communicate() must not flush it
            return process
        if "\n" in script:
            raise ValueError("a script with a data stream on stdin must be one line")
        return subprocess.Popen([*argv, "sh -c " + shlex.quote(script)], stdin=stdin, stdout=stdout,
                                stderr=stderr, start_new_session=True)

    def workdir(self, job: Job) -> str:
        return f"{self.remote_dir}/{job.slug}"

    def close(self, say) -> list[str]:
        if self.control_dir:
            if self.connected:
                subprocess.run([*self.base_argv(), "-O", "exit", self.destination], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=30, check=False)
            shutil.rmtree(self.control_dir, ignore_errors=True)
            self.control_dir = None
        self.connected = False
        return []
