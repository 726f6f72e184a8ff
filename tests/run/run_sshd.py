"""A real OpenSSH server for the runner's tests: Debian's openssh-server started as its own
process on 127.0.0.1 with its own host key, client key, config and port in a temporary
directory. As root, sshd needs /run/sshd and the `sshd` privilege-separation user; it runs in a
private mount namespace (`unshare -m`) with its own /run so the machine's is untouched."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")


def missing() -> str | None:
    """Why a real sshd cannot run here, or None."""
    for tool in ("ssh", "ssh-keygen", "unshare"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install openssh-client util-linux)"
    if not SSHD.exists():
        return "sshd is not installed (apt-get install openssh-server)"
    try:
        pwd.getpwnam("sshd")
    except KeyError:
        return "no sshd privilege-separation user (apt-get install openssh-server creates it)"
    if os.geteuid() != 0:
        return "starting sshd in a private mount namespace needs root"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    directory: Path
    port: int
    process: subprocess.Popen
    key: Path
    known_hosts: Path

    def options(self, remote_dir: str) -> list[str]:
        """`mscc run` options that reach this server."""
        return ["--host", "root@127.0.0.1", "--port", str(self.port), "--identity", str(self.key),
                "--ssh-option", f"UserKnownHostsFile={self.known_hosts}",
                "--ssh-option", "StrictHostKeyChecking=yes", "--remote-dir", remote_dir]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(directory: Path) -> Server:
    directory.mkdir(parents=True, exist_ok=True)
    host_key, key = directory / "host_key", directory / "client_key"
    for path in (host_key, key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True,
                       stdin=subprocess.DEVNULL)
    (directory / "authorized_keys").write_text((directory / "client_key.pub").read_text())
    port = free_port()
    known_hosts = directory / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {(directory / 'host_key.pub').read_text()}")
    config = directory / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {host_key}", f"PidFile {directory}/sshd.pid",
        f"AuthorizedKeysFile {directory}/authorized_keys", "StrictModes no", "UsePAM no",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password",
        "MaxSessions 50", "MaxStartups 50", "LogLevel ERROR", "",
    ]))
    # -D: stay in the foreground, so this Popen is sshd itself; -e: log to stderr.
    inner = f"mount -t tmpfs tmpfs /run && mkdir -p /run/sshd && exec {SSHD} -D -e -f {config}"
    with open(directory / "sshd.log", "wb") as log:
        process = subprocess.Popen(["unshare", "-m", "sh", "-c", inner], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {(directory / 'sshd.log').read_text()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return Server(directory, port, process, key, known_hosts)
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("sshd did not listen within 15 s")
