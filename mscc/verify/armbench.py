"""The arm64 side of `bench`: one guest userland, several kernels.

The runner's aarch64 test guest (mscc.run.guest: an initramfs of Debian's busybox-static,
dropbear and getconf) is booted under QEMU on each kernel in turn — Debian's stock arm64 kernels
(the guest's own, and the backports one of mscc's release) and mscc's minimal one — with the
profile's own bench.sh appended to the initramfs as a job. The guest's busybox init runs its
usual /etc/rcS, then bench.sh, prints the figures on the serial console and powers off. Each
kernel is booted REPETITIONS times; the figures of the boots are merged into one figure per
metric (median, min, max, repetitions), the format `mscc bench --compare` reads.

Two figures cannot be taken from inside this guest and are measured on the host, with the
same method for every kernel (each figure's "method" says so): the kernel image's size (the
initramfs has no /boot), and the time from QEMU's start to the first line the guest's init
prints (bench.sh's own boot figure is the kernel's timestamp of `Run /init`, which leaves
out what happens before the kernel's clock starts).
"""

from __future__ import annotations

import gzip
import json
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mscc.run.backends.qemu import QEMU, accelerator, cpu
from mscc.run.cache import cache_root, locked
from mscc.run.guest import MODULES, PrivateApt, _cpio_newc, _module_closure, machine_archive, module_bytes

BEGIN, END = "MSCC-BENCH-BEGIN", "MSCC-BENCH-END"
USERSPACE = "mscc-bench: userspace"  # the init's first line: what the host-side boot time waits for
MEMORY = "1024M"                     # the qemu backend's guest memory
BOOT_TIMEOUT = 300.0                 # seconds for one boot + bench.sh under TCG

# busybox init reads the appended /etc/inittab: say "userspace" first, run the guest's own
# rcS (mounts, Debian's virtio modules, network), then the job; no dropbear (no ssh needed).
INITTAB = f"::sysinit:/bin/echo {USERSPACE}\n::sysinit:/etc/rcS\n::once:/job/run.sh\n"
# The guest links only the applets its rcS uses; bench.sh also wants dmesg: install them all
# into a directory of the job's own (the root file system is the writable initramfs).
RUN_SH = f"""#!/bin/sh
mkdir -p /job/bin
/bin/busybox --install -s /job/bin
PATH=/usr/bin:/usr/sbin:/bin:/sbin:/job/bin
export PATH
echo {BEGIN}
sh /job/bench.sh
echo "MSCC-BENCH-EXIT $?"
echo {END}
poweroff -f
"""


@dataclass(frozen=True)
class Boot:
    console: str
    userspace_seconds: float | None   # QEMU start → the init's first line, seen on the host
    seconds: float                    # QEMU start → QEMU exit


@dataclass(frozen=True)
class Kernel:
    image: Path
    # a gzip'd cpio appended after the guest's own archive: this kernel's builds of the guest's
    # modules (the guest carries those of Debian's 6.1 kernel; rcS loads /lib/modules/*.ko)
    modules: Path | None = None


BACKPORTS_LAYOUT = "1"


def backports_kernel(cache: Path | None = None) -> Kernel:
    """Debian's stock arm64 kernel of mscc's release (6.12, from the backports suite of the
    archive this machine's apt uses: bookworm-backports here), with its builds of the guest's
    modules (mscc.run.guest's MODULES and what they need, decompressed) named to load after the
    guest's own; cached in ~/.cache/mscc/guest-arm64-backports. The guest's 6.1 modules then
    fail to load on it, as they do on mscc's kernel."""
    directory = (cache or cache_root()) / "guest-arm64-backports"
    with locked(directory):
        image, modules, layout = directory / "vmlinuz", directory / "modules.gz", directory / "layout"
        if layout.exists() and layout.read_text() == BACKPORTS_LAYOUT and image.exists() and modules.exists():
            return Kernel(image, modules)
        from mscc.verify.zfsguest import backports_depends

        work = directory / "work"
        shutil.rmtree(work, ignore_errors=True)
        (work / "debs").mkdir(parents=True)
        archive = machine_archive()
        apt = PrivateApt(work / "apt", archive, suites=(f"{archive.suite}-backports",),
                         extra_options=("-o", "APT::Sandbox::User=root"))
        apt.run("apt-get", "update")
        apt.run("apt-get", "download", backports_depends(apt, "linux-image-arm64"), cwd=work / "debs")
        root = work / "root"
        for deb in sorted((work / "debs").glob("*.deb")):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True, timeout=600)
        overlay = work / "overlay"
        (overlay / "lib/modules").mkdir(parents=True)
        for index, module in enumerate(_module_closure(root, MODULES)):
            name = module.name.split(".ko")[0]
            (overlay / "lib/modules" / f"{50 + index:02d}-{name}.ko").write_bytes(module_bytes(module))
        _cpio_newc(overlay, modules)
        shutil.copy2(next((root / "boot").glob("vmlinuz-*")), image)
        layout.write_text(BACKPORTS_LAYOUT)
        shutil.rmtree(work, ignore_errors=True)  # 90 MB of package: not needed again
        return Kernel(image, modules)


def job_initrd(guest_initrd: Path, bench_sh: str, workdir: Path, modules: Path | None = None) -> Path:
    """The guest's initramfs with more archives appended (the kernel unpacks them in order,
    later files replacing earlier ones): the kernel's own modules if it has them, then the
    job's inittab, run.sh and bench.sh."""
    job = workdir / "job-root"
    shutil.rmtree(job, ignore_errors=True)
    for rel, text, mode in (("etc/inittab", INITTAB, 0o644), ("job/run.sh", RUN_SH, 0o755),
                            ("job/bench.sh", bench_sh, 0o755)):
        dest = job / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
        dest.chmod(mode)
    _cpio_newc(job, workdir / "job.gz")
    initrd = workdir / "initrd-bench.gz"
    with open(initrd, "wb") as out:
        for part in (guest_initrd, *([modules] if modules else []), workdir / "job.gz"):
            out.write(part.read_bytes())
    return initrd


def qemu_argv(kernel: Path, initrd: Path, disk: Path, cmdline: str, accel: str) -> list[str]:
    """The same virtual machine for both kernels: the qemu backend's CPU, memory and virtio
    network card (user networking restricted to the guest; an empty romfile, so no
    efi-virtio.rom is needed), plus a small virtio disk; the serial console on stdout."""
    return [QEMU, "-M", "virt", "-accel", accel, "-cpu", cpu(accel), "-smp", "2", "-m", MEMORY,
            "-kernel", str(kernel), "-initrd", str(initrd), "-append", cmdline,
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
            "-netdev", "user,id=net0,restrict=on", "-device", "virtio-net-pci,netdev=net0,romfile=",
            "-drive", f"if=none,file={disk},format=raw,id=d0", "-device", "virtio-blk-pci,drive=d0"]


def boot(argv: list[str], log: Path, timeout: float = BOOT_TIMEOUT) -> Boot:
    """Run QEMU until the guest powers off, timing each console line as it arrives."""
    started = time.monotonic()
    vm = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          start_new_session=True)
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert vm.stdout is not None
        for raw in vm.stdout:
            lines.append((time.monotonic() - started, raw.decode("utf-8", "replace").rstrip("\r\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        vm.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        reader.join(0)
        log.write_text("\n".join(text for _, text in lines) + "\n", encoding="utf-8")
        raise RuntimeError(f"{argv[0]} did not power off within {timeout:g} s; console: {log}") from None
    finally:
        if vm.poll() is None:  # timed out or interrupted: QEMU is our own child, ended by its Popen
            vm.kill()
            vm.wait()
    seconds = time.monotonic() - started
    reader.join(10)  # the rest of the console, already written when QEMU exited
    console = "\n".join(text for _, text in lines) + "\n"
    log.write_text(console, encoding="utf-8")
    userspace = next((at for at, text in lines if text.strip() == USERSPACE), None)
    return Boot(console, userspace, seconds)


def parse_console(console: str) -> tuple[list[dict[str, Any]], int | None]:
    """bench.sh's figures between the markers, and its exit status (None: it never finished).
    A line that is not a JSON object (a kernel message in between) is skipped."""
    figures: list[dict[str, Any]] = []
    inside, status = False, None
    for line in console.splitlines():
        text = line.strip()
        if text == BEGIN:
            inside, figures = True, []
        elif text == END:
            inside = False
        elif inside and text.startswith("MSCC-BENCH-EXIT "):
            status = int(text.split()[1]) if text.split()[1].isdigit() else None
        elif inside and text.startswith("{"):
            try:
                doc = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(doc, dict) and "metric" in doc:
                figures.append(doc)
    return figures, status


def merge(runs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One figure per metric over several boots: the median of the boots' values, the lowest
    min and highest max, the repetitions summed. A metric no boot measured stays null; a
    listing (items) is kept when every boot saw the same one."""
    order: list[str] = []
    seen: dict[str, list[dict[str, Any]]] = {}
    for figures in runs:
        for f in figures:
            if f["metric"] not in seen:
                order.append(f["metric"])
            seen.setdefault(f["metric"], []).append(f)
    merged = []
    for metric in order:
        measured = [f for f in seen[metric] if _is_number(f.get("value"))]
        if not measured:
            merged.append(seen[metric][0])
            continue
        first = measured[0]
        out = dict(first)
        out["value"] = _number(statistics.median(f["value"] for f in measured))
        out["min"] = min(f["min"] if _is_number(f.get("min")) else f["value"] for f in measured)
        out["max"] = max(f["max"] if _is_number(f.get("max")) else f["value"] for f in measured)
        out["repetitions"] = sum(f.get("repetitions") or 1 for f in measured)
        if "items" in first and any(f.get("items") != first["items"] for f in measured):
            out["items"] = sorted({i for f in measured for i in f.get("items") or ()})
            out["method"] = f"{first.get('method', '')} (differs between boots: union shown)"
        merged.append(out)
    return merged


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 6)


def host_figures(kernel: Path, boots: list[Boot]) -> list[dict[str, Any]]:
    """What bench.sh cannot see from inside this guest, measured on the host."""
    size = kernel.stat().st_size
    data = kernel.read_bytes()
    packed = len(gzip.compress(data, compresslevel=9, mtime=0))
    kind = "gzip" if data[:2] == b"\x1f\x8b" else "Image"
    figures = [
        _exact("kernel_size", size, "bytes", f"wc -c of the image QEMU booted (-kernel, {kind}), on the host"),
        _exact("kernel_size_gzip", packed, "bytes",
               "gzip -9 of the image QEMU booted, on the host (what an Image.gz of it weighs)"),
    ]
    times = [b.userspace_seconds for b in boots if b.userspace_seconds is not None]
    method = f"host clock from QEMU's start to the init's first console line ({USERSPACE!r}), TCG"
    if times:
        figures.append({"metric": "boot_to_init_host", "value": round(statistics.median(times), 3), "unit": "s",
                        "method": method, "repetitions": len(times), "min": round(min(times), 3),
                        "max": round(max(times), 3)})
    else:
        figures.append({"metric": "boot_to_init_host", "value": None, "unit": "s", "method": method,
                        "repetitions": 0, "min": None, "max": None})
    return figures


def _exact(metric: str, value: int, unit: str, method: str) -> dict[str, Any]:
    return {"metric": metric, "value": value, "unit": unit, "method": method, "repetitions": 1,
            "min": value, "max": value}


@dataclass(frozen=True)
class Result:
    figures: list[dict[str, Any]]
    boots: list[Boot]


def measure(kernels: dict[str, Kernel], guest_initrd: Path, bench_sh: str, workdir: Path, *,
            repetitions: int = 3, cmdline: str = "console=ttyAMA0 panic=-1 quiet",
            timeout: float = BOOT_TIMEOUT) -> dict[str, Result]:
    """Boot each of KERNELS with the guest's initramfs and bench.sh, REPETITIONS rounds, the
    kernels taking turns within a round (so that a busy spell of a shared host falls on all
    alike); return per kernel the merged figures (bench.sh's, with its null kernel_size
    replaced by the host's) and the boots. `printk.time=1` is added to the command line so that
    dmesg has timestamps on a kernel built without CONFIG_PRINTK_TIME (the kernel records them
    either way)."""
    workdir.mkdir(parents=True, exist_ok=True)
    disk = workdir / "disk.img"
    disk.write_bytes(b"\0" * (1 << 20))
    argvs = {}
    for name, kernel in kernels.items():
        initrd = job_initrd(guest_initrd, bench_sh, workdir / name, kernel.modules)
        argvs[name] = qemu_argv(kernel.image, initrd, disk, f"{cmdline} printk.time=1", accelerator())
    boots: dict[str, list[Boot]] = {name: [] for name in kernels}
    runs: dict[str, list[list[dict[str, Any]]]] = {name: [] for name in kernels}
    for index in range(1, repetitions + 1):
        for name in kernels:
            log = workdir / f"console-{name}-{index}.log"
            done = boot(argvs[name], log, timeout)
            figures, status = parse_console(done.console)
            if status is None:
                raise RuntimeError(f"bench.sh did not finish on {name}, boot {index}; console: {log}")
            boots[name].append(done)
            runs[name].append(figures)
    return {name: Result(_with_host(merge(runs[name]), host_figures(kernel.image, boots[name])), boots[name])
            for name, kernel in kernels.items()}


def _with_host(guest: list[dict[str, Any]], host: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The guest's figures, a null one the host measured replaced by the host's."""
    measured = {f["metric"] for f in host}
    kept = [f for f in guest if not (f["metric"] in measured and f.get("value") is None)]
    return [*kept, *(f for f in host if f["metric"] not in {g["metric"] for g in kept})]


def write_jsonl(figures: list[dict[str, Any]], path: Path) -> None:
    path.write_text("".join(json.dumps(f) + "\n" for f in figures), encoding="utf-8")
