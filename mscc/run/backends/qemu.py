"""`--backend qemu`: boot an aarch64 VM from a kernel and initrd (and optionally a disk), with
its serial console in RESULTS/logs/, and reach it with ssh through a forwarded port on
127.0.0.1; from then on it is the ssh backend. One VM per run, reused by every job.

Under TCG the CPU is `max,pauth-impdef=on` (pointer authentication emulated the QARMA way is
what makes `-cpu max` about 3x slower to boot); with KVM on an arm64 host, or HVF on a Mac, it
is `host`. The
network card is virtio-net-pci with an empty `romfile` (-M virt otherwise loads
efi-virtio.rom, which Debian only ships in ipxe-qemu). A boot gets its own timeout and one retry.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from mscc.run.artifacts import sha256_file
from mscc.run.backends.base import InfraError
from mscc.run.backends.ssh import SshBackend
from mscc.run.jobs import Job

QEMU = "qemu-system-aarch64"
BOOT_ATTEMPTS = 2
TCG_BOOT_TIMEOUT = 600.0
KVM_BOOT_TIMEOUT = 120.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def accelerator() -> str:
    native = platform.machine() in ("aarch64", "arm64")
    if native and platform.system() == "Darwin":
        # Apple Silicon: Hypervisor.framework, as the emitted qemu.sh uses it on a Mac
        # (targets/common/templates/qemu.sh.j2); not exercised on this Linux machine.
        return "hvf"
    return "kvm" if native and os.access("/dev/kvm", os.R_OK | os.W_OK) else "tcg"


def cpu(accel: str) -> str:
    """The -cpu of an aarch64 guest: the fast emulated CPU under TCG, the host's under KVM."""
    return "max,pauth-impdef=on" if accel == "tcg" else "host"


class QemuBackend(SshBackend):
    name = "qemu"
    prepare_phase = "boot"

    def __init__(self, results: Path, options: dict[str, Any]):
        super().__init__(results, {**options, "host": "root@127.0.0.1"})
        self.kernel = options.get("kernel")
        self.initrd = options.get("initrd")
        self.disk = options.get("disk")
        if not self.kernel:
            raise ValueError("--backend qemu needs --kernel (and usually --initrd); booting an emitted "
                             "qemu.sh through firmware is not supported yet")
        for flag, path in (("--kernel", self.kernel), ("--initrd", self.initrd), ("--disk", self.disk),
                           ("--identity", self.identity_file)):
            if path and not Path(path).is_file():
                raise ValueError(f"{flag} {path}: no such file")
        if not self.identity_file:
            raise ValueError("--backend qemu needs --identity, the key the guest authorizes for root")
        self.cmdline = options.get("cmdline") or "console=ttyAMA0 panic=-1"
        self.accel = accelerator()
        self.ready_timeout = options.get("boot_timeout") or (TCG_BOOT_TIMEOUT if self.accel == "tcg"
                                                             else KVM_BOOT_TIMEOUT)
        self.keep_vm = bool(options.get("keep_vm"))
        self.memory = "1024M"
        self.vm: subprocess.Popen | None = None
        self.consoles: list[str] = []
        # A VM we started ourselves on 127.0.0.1 makes a new host key on every boot.
        self.ssh_options = (*self.ssh_options, "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null")

    def identity(self) -> dict[str, Any]:
        def digest(path: str | None) -> str | None:
            return sha256_file(Path(path)) if path else None

        return {"name": self.name, "accel": self.accel, "kernel": digest(self.kernel),
                "initrd": digest(self.initrd), "disk": hashlib.sha256(str(self.disk).encode()).hexdigest()
                if self.disk else None, "cmdline": self.cmdline, "remote_dir": self.remote_dir}

    def qemu_argv(self, port: int, console: Path) -> list[str]:
        argv = [QEMU, "-M", "virt", "-accel", self.accel, "-cpu", cpu(self.accel), "-smp", "2", "-m", self.memory,
                "-kernel", str(self.kernel), "-append", self.cmdline, "-display", "none", "-monitor", "none",
                "-serial", f"file:{console}", "-no-reboot",
                "-netdev", f"user,id=net0,hostfwd=tcp:127.0.0.1:{port}-:22",
                "-device", "virtio-net-pci,netdev=net0,romfile="]
        if self.initrd:
            argv += ["-initrd", str(self.initrd)]
        if self.disk:
            # snapshot=on: the runner never writes to the image it was given.
            argv += ["-drive", f"if=virtio,file={self.disk},snapshot=on"]
        return argv

    def boot(self, attempt: int, say) -> None:
        if shutil.which(QEMU) is None:
            raise InfraError(f"qemu: {QEMU} is not installed (Debian: apt-get install qemu-system-arm)")
        self.port = _free_port()
        stored = f"logs/console-qemu-{attempt}.log"
        self.consoles.append(stored)
        argv = self.qemu_argv(self.port, self.results / stored)
        say(f"booting ({self.accel}, attempt {attempt}): {' '.join(argv)}")
        with open(self.results / f"logs/qemu-{attempt}.stderr", "wb") as errors:
            self.vm = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=errors, stderr=errors,
                                       start_new_session=True)

    def stop_vm(self) -> None:
        if self.vm is not None and self.vm.poll() is None:
            self.vm.terminate()  # our own child, by its Popen
            try:
                self.vm.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.vm.kill()
                self.vm.wait()
        self.vm = None

    def prepare(self, job: Job, say) -> float:
        if self.connected:
            return 0.0
        began = time.monotonic()
        for attempt in range(1, BOOT_ATTEMPTS + 1):
            self.boot(attempt, say)
            try:
                self.wait_for_guest(time.monotonic() + self.ready_timeout, say)
                self.start_master()
                say(f"the guest answers ssh on 127.0.0.1:{self.port} after {time.monotonic() - began:.1f} s")
                return time.monotonic() - began
            except InfraError as err:
                self.stop_vm()
                if attempt == BOOT_ATTEMPTS:
                    raise InfraError(f"qemu: the guest did not come up ({err}); console: {self.consoles[-1]}") \
                        from None
                say(f"boot attempt {attempt} failed ({err}); retrying")
        raise AssertionError("unreachable")

    def wait_for_guest(self, deadline: float, say) -> None:
        """Poll ssh like the ssh backend, but give up at once if QEMU itself exits."""
        while True:
            if self.vm is None or self.vm.poll() is not None:
                raise InfraError(f"{QEMU} exited with status {self.vm.returncode if self.vm else '?'}")
            try:
                self.wait_until_ready(min(deadline, time.monotonic() + 1), say)
                return
            except InfraError:
                if time.monotonic() >= deadline:
                    raise

    def close(self, say) -> list[str]:
        if self.keep_vm and self.vm is not None:
            say(f"qemu: the VM keeps running (--keep-vm): ssh -p {self.port} -i {self.identity_file} root@127.0.0.1")
            super().close(say)
            return self.consoles
        if self.connected:
            with contextlib.suppress(InfraError):
                self.run("poweroff -f >/dev/null 2>&1 &", timeout=20)
        super().close(say)
        deadline = time.monotonic() + 10
        while self.vm is not None and self.vm.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        self.stop_vm()
        return self.consoles
