"""`mscc verify OUT` and `mscc bench OUT` through the runner: the verify.sh and bench.sh that
`mscc compile` writes, run with the local backend and over ssh (a real OpenSSH server on
127.0.0.1, tests/run/run_sshd.py) against a recorded guest — tests/verify's fixtures and the
fakes that replay them (sysctl, zfs, getconf, …) on PATH — folded into report.json; a script
that dies midway or prints hostile bytes; dry-run; and the usage of the two forms of bench."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import run_sshd as sshd
from click.testing import CliRunner
from runfixtures import PASS, REPO, write_job

from mscc.cli.main import main
from mscc.run import readback
from mscc.run import report as reports

sys.path.insert(0, str(REPO / "tests" / "verify"))  # the recorded guest lives with verify.sh's own tests
from recorded import FIXTURES, PROFILE, PROFILES, environment, guest

needs_sshd = pytest.mark.skipif(sshd.missing() is not None, reason=str(sshd.missing()))


def cli(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def load(results: Path) -> dict:
    doc = json.loads((results / "report.json").read_text())
    assert reports.validate(doc) == [], reports.validate(doc)
    return doc


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """What `mscc compile tests/verify/guest.msk --target all` writes."""
    directory = tmp_path_factory.mktemp("compiled") / "out"
    cli("compile", PROFILE, "--target", "all", "-o", directory)  # zguest/openbsd is not written: no ZFS
    for target, profile in PROFILES.items():
        assert (directory / profile / target / "verify.sh").is_file()
    return directory


def env_options(made: Path, **extra: str) -> list[str]:
    return [f"--env={k}={v}" for k, v in {**environment(made), **extra}.items()]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if sshd.missing():
        pytest.skip(str(sshd.missing()))
    started = sshd.start(tmp_path_factory.mktemp("sshd"))
    yield started
    started.stop()


# --- verify ---------------------------------------------------------------------------------

def test_local_verify_every_setting_holds(out, tmp_path):
    made, results = guest(tmp_path, "alpine"), tmp_path / "results"
    done = cli("verify", out, "--only", "zguest/alpine", "--backend", "local", "--results", results,
               *env_options(made))
    assert done.exit_code == 0, done.output
    doc = load(results)
    assert doc["task"] == "verify" and doc["summary"]["passed"] == 1
    job = doc["jobs"][0]
    folded = job["verify"]
    assert folded["ok"] and folded["failing"] == [] and folded["missing"] == []
    assert folded["counts"]["expected"] == folded["counts"]["reported"] == folded["counts"]["hold"] == 24
    assert {r["setting"] for r in folded["records"]} >= {"page size", "zfs tank/db recordsize"}
    assert job["phases"].keys() == {"sync-in", "verify"} and job["artifacts"] == []
    assert '[zguest/alpine] ok   zfs tank/db recordsize: "16384"' in done.output
    assert "zguest/alpine: verify: all 24 settings hold" in done.output
    # the raw records stay in the log
    assert '"setting":"page size"' in (results / job["log"]).read_text()


def test_local_verify_one_setting_wrong_names_it(out, tmp_path):
    made = guest(tmp_path, "alpine", ("zfs-get.txt", "tank/db\trecordsize\t16384", "tank/db\trecordsize\t131072"))
    results = tmp_path / "results"
    done = cli("verify", out, "--only", "zguest/alpine", "--backend", "local", "--results", results,
               *env_options(made))
    assert done.exit_code == 1, done.output
    assert ('zguest/alpine: zfs tank/db recordsize: wanted "16384", actual "131072" '
            "(read with: zfs get -Hp -o value recordsize tank/db)") in done.output
    job = load(results)["jobs"][0]
    assert job["status"] == "failed" and job["exit_code"] == 1
    assert job["reason"] == "1 setting(s) do not hold: zfs tank/db recordsize"
    assert [r["setting"] for r in job["verify"]["failing"]] == ["zfs tank/db recordsize"]
    assert job["verify"]["counts"]["differ"] == 1 and not job["verify"]["ok"]
    assert "--- zguest/alpine: last" not in done.output  # the named settings say it all


@needs_sshd
def test_ssh_verify_freebsd_holds_then_fails_naming_the_setting(out, server, tmp_path):
    options = ["--backend", "ssh", *server.options(str(tmp_path / "remote"))]
    made = guest(tmp_path / "good", "freebsd")
    done = cli("verify", out, "--only", "zguest/freebsd", *options, "--results", tmp_path / "r1", *env_options(made))
    assert done.exit_code == 0, done.output
    job = load(tmp_path / "r1")["jobs"][0]
    assert job["verify"]["ok"] and job["verify"]["counts"]["hold"] == job["verify"]["counts"]["expected"] > 10
    assert job["phases"]["connect"] > 0 and doc_backend(tmp_path / "r1") == "ssh"

    made = guest(tmp_path / "bad", "freebsd", ("sysctl.txt", "vfs.zfs.arc.max: 2147483648", "vfs.zfs.arc.max: 0"))
    done = cli("verify", out, "--only", "zguest/freebsd", *options, "--results", tmp_path / "r2", *env_options(made))
    assert done.exit_code == 1, done.output
    assert 'zguest/freebsd: zfs tunable vfs.zfs.arc.max: wanted "2147483648", actual "0"' in done.output
    job = load(tmp_path / "r2")["jobs"][0]
    assert [r["setting"] for r in job["verify"]["failing"]] == ["zfs tunable vfs.zfs.arc.max"]
    assert list((tmp_path / "remote").iterdir()) == []  # the remote work is removed


def doc_backend(results: Path) -> str:
    return load(results)["backend"]["name"]


# verify.sh's shape (its `check` calls), but it prints a record with terminal controls, a line
# that is not JSON, a record cut off midway, and dies before its last check.
DYING = r"""#!/bin/sh
check() {
    printf '{"setting":"%s","wanted":"%s","actual":"%s","ok":true,"how":"test"}\n' "$1" "$2" "$2"
}
check 'one' '1' eq 'test' reader
printf '{"setting":"\\u001b[2Jtwo\\u009b","wanted":"2","actual":"\\u001b]0;x\\u0007","ok":false,"how":"h"}\n'
echo 'a line that is not a record'
printf '{"setting":"three","wanted":"3","act'
exit 3
check 'two' '2' eq 'test' reader
check 'three' '3' eq 'test' reader
"""


def test_a_dying_hostile_verify_is_reported_not_trusted(tmp_path):
    out, results = tmp_path / "out", tmp_path / "results"
    write_job(out, "p", "alpine", PASS, {"verify.sh": DYING})
    done = cli("verify", out, "--backend", "local", "--results", results)
    assert done.exit_code == 1, done.output
    assert "\033" not in done.output and "\x9b" not in done.output and "\x07" not in done.output
    job = load(results)["jobs"][0]
    folded = job["verify"]
    assert job["status"] == "failed" and job["exit_code"] == 3
    # "two" came back under another name (with its controls), so it is missing as well
    assert folded["counts"] == {"expected": 3, "reported": 2, "hold": 1, "differ": 1, "missing": 2,
                                "malformed": 1, "other_lines": 1}
    assert folded["missing"] == ["two", "three"] and not folded["ok"]
    assert folded["failing"][0]["setting"] == "\033[2Jtwo\x9b"  # the report keeps what came, as JSON
    assert "verify.sh stopped with status 3 after 2 record(s)" in job["reason"]
    assert "no record for 2 setting(s): two, three" in job["reason"]
    assert "p/alpine: three: no record (the script checks it" in done.output
    assert "p/alpine: ?[2Jtwo?: wanted \"2\"" in done.output
    # what is not a record is kept in the log, byte for byte, and the tail is shown
    log = (results / job["log"]).read_text()
    assert "a line that is not a record" in log and '{"setting":"three","wanted":"3","act' in log
    assert "--- p/alpine: last" in done.output


def test_a_verify_that_hangs_keeps_what_it_printed(tmp_path):
    out, results = tmp_path / "out", tmp_path / "results"
    hangs = ("#!/bin/sh\n"
             "echo '{\"setting\":\"one\",\"wanted\":\"1\",\"actual\":\"1\",\"ok\":true,\"how\":\"t\"}'\n"
             "exec sleep 30\n"
             "check 'one' '1' eq 't' r\ncheck 'two' '2' eq 't' r\n")
    write_job(out, "p", "alpine", PASS, {"verify.sh": hangs})
    done = cli("verify", out, "--backend", "local", "--results", results, "--timeout", "2s")
    assert done.exit_code == 1, done.output
    job = load(results)["jobs"][0]
    assert job["status"] == "timeout" and job["reason"] == "still running after 2 s"
    assert job["verify"]["counts"]["reported"] == 1 and job["verify"]["missing"] == ["two"]
    assert not job["verify"]["ok"]


def test_output_is_bounded():
    output = readback.Output()
    output.feed(b'{"setting":"' + b"x" * (readback.MAX_LINE_BYTES + 10) + b'"}\n')  # cut: not a record
    output.feed(b"y" * 1000 + b"\n")
    folded = readback.fold_verify(output, 0, ["x"])
    assert folded.summary["counts"]["malformed"] == 1 and folded.summary["counts"]["other_lines"] == 1
    assert not folded.summary["ok"]
    big = readback.Output()
    line = b"z" * 60000 + b"\n"
    for _ in range(readback.MAX_KEPT_BYTES // 60000 + 5):
        big.feed(line)
    assert big.dropped >= 4 and sum(map(len, big.close())) <= readback.MAX_KEPT_BYTES
    assert "were not read" in readback.fold_bench(big, 0, Path("/nonexistent"), "p-alpine").problem
    record = readback.record('{"setting":"s","wanted":"w","actual":"' + "a" * 5000 + '","ok":false,"how":"h"}')
    assert record is not None and len(record["actual"]) == readback.MAX_TEXT + 1
    assert readback.record('{"setting":"s","wanted":"w","actual":"a","ok":"yes","how":"h"}') is None
    assert readback.figure('{"metric":"m","value":true}') is None and readback.figure('[1]') is None
    assert readback.figure('{"metric":"m","value":NaN}') is None
    assert readback.figure('{"metric":"m","value":1,"items":[1]}') is None
    assert readback.figure('{"metric":"m","value":1,"items":["virtio_blk"]}')["items"] == ["virtio_blk"]


def test_verify_dry_run_prints_the_plan(out, tmp_path):
    results = tmp_path / "results"
    done = cli("verify", out, "--only", "zguest/freebsd", "--results", results)
    assert done.exit_code == 0, done.output
    assert f"plan: copy {out / 'zguest' / 'freebsd'} in, run `sh ./verify.sh`" in done.output
    assert "plan: copy back nothing; fold the script's JSON records into report.json" in done.output
    assert "sh -n verify.sh: ok" in done.output and "build.sh" not in done.output
    doc = load(results)
    assert doc["task"] == "verify" and doc["jobs"][0]["phases"].keys() == {"check"}


def test_verify_format_json(out, tmp_path):
    made, results = guest(tmp_path, "openbsd"), tmp_path / "results"
    done = CliRunner().invoke(main, ["verify", str(out), "--only", "plain/openbsd", "--backend", "local",
                                     "--results", str(results), "--format", "json", *env_options(made)],
                              catch_exceptions=False)
    assert done.exit_code == 0
    doc = json.loads(done.stdout)
    assert doc["task"] == "verify" and doc["jobs"][0]["verify"]["ok"]


def test_a_verify_never_overwrites_a_build_report(tmp_path):
    out, results = tmp_path / "out", tmp_path / "results"
    write_job(out, "p", "alpine", PASS, {"verify.sh": "#!/bin/sh\nexit 0\n"})
    assert cli("run", out, "--backend", "local", "--results", results).exit_code == 0
    done = cli("verify", out, "--backend", "local", "--results", results)
    assert done.exit_code == 2 and "records a build; give this verify its own --results" in done.output
    assert load(results)["task"] == "build"
    cli("verify", out, "--backend", "local", "--results", tmp_path / "v")
    done = cli("run", out, "--resume", tmp_path / "v" / "report.json", "--results", tmp_path / "b")
    assert done.exit_code == 2 and "reports a verify, not a build" in done.output


def test_merging_build_reports_leaves_verify_reports_out(tmp_path):
    out, results = tmp_path / "out", tmp_path / "results"
    write_job(out, "p", "alpine", PASS, {"verify.sh": "#!/bin/sh\nexit 5\n"})
    assert cli("run", out, "--backend", "local", "--results", results).exit_code == 0
    assert cli("verify", out, "--backend", "local", "--results", results / "verify").exit_code == 1
    done = cli("run", "--merge-reports", results)
    assert done.exit_code == 0 and done.output.count("p/alpine") == 1, done.output


def test_no_verify_script_is_a_usage_error(tmp_path):
    out = tmp_path / "out"
    write_job(out, "p", "alpine", PASS)
    done = cli("verify", out)
    assert done.exit_code == 2 and "lists a verify-script" in done.output


@pytest.mark.parametrize("target", ["alpine", "freebsd", "netbsd", "openbsd"])
def test_the_runner_reads_which_settings_verify_checks(out, tmp_path, target):
    """The settings the runner expects from a verify.sh are exactly those it reports, in order,
    when every reader answers (the recorded guest)."""
    script = out / PROFILES[target] / target / "verify.sh"
    made = guest(tmp_path, target)
    done = subprocess.run(["sh", str(script)], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          env={**environment(made), "HOME": str(tmp_path)})
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(tuple(r) == readback.RECORD_KEYS for r in printed)
    assert readback.expected_settings(script) == [r["setting"] for r in printed]


# --- bench ----------------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("time") is None, reason="no time utility (POSIX time -p)")
def test_local_bench_stores_figures_that_compare_reads(out, tmp_path):
    made, results = guest(tmp_path, "alpine"), tmp_path / "results"
    kernel = tmp_path / "vmlinuz"
    kernel.write_bytes(b"\0" * 12345)
    done = cli("bench", out, "--only", "zguest/alpine", "--backend", "local", "--results", results,
               *env_options(made, KSTAT_DIR=str(FIXTURES / "kstat"), BENCH_DIR=str(tmp_path / "vdevs"),
                            KERNEL=str(kernel), REPEAT="3", DATA_MIB="2"))
    assert done.exit_code == 0, done.output
    job = load(results)["jobs"][0]
    stored = results / "figures" / "zguest-alpine.json"
    assert job["bench"]["file"] == "figures/zguest-alpine.json" and stored.is_file()
    figures = {f["metric"]: f for f in json.loads(stored.read_text())}
    # every key bench.sh prints is kept (a listing adds its items)
    assert all(tuple(f)[:len(readback.FIGURE_KEYS)] == readback.FIGURE_KEYS for f in figures.values())
    assert all(set(f) - set(readback.FIGURE_KEYS) <= set(readback.FIGURE_EXTRA) for f in figures.values())
    assert figures["kernel_size"]["value"] == 12345 and figures["pool_create"]["repetitions"] == 3
    assert job["bench"]["figures"] == json.loads(stored.read_text())
    assert "[zguest/alpine] kernel_size: 12345 bytes" in done.output
    assert f"zguest/alpine: bench: {len(figures)} figure(s)" in done.output

    smaller = tmp_path / "mscc.json"
    smaller.write_text(stored.read_text().replace('"value": 12345', '"value": 8230')
                       .replace('"min": 12345', '"min": 8230').replace('"max": 12345', '"max": 8230'))
    table = cli("bench", "--compare", stored, smaller)
    assert table.exit_code == 0, table.output
    row = next(line for line in table.output.splitlines() if line.startswith("| kernel_size "))
    assert "12345 bytes" in row and "8230 bytes" in row and "0.67x" in row


def test_bench_dry_run_prints_the_plan(out, tmp_path):
    done = cli("bench", out, "--only", "zguest/netbsd", "--results", tmp_path / "results")
    assert done.exit_code == 0, done.output
    assert "run `sh ./bench.sh`" in done.output and "figures/zguest-netbsd.json" in done.output
    assert "sh -n bench.sh: ok" in done.output


def test_a_bench_that_prints_garbage_fails_with_what_it_kept(tmp_path):
    out, results = tmp_path / "out", tmp_path / "results"
    script = ("#!/bin/sh\n"
              "echo '{\"metric\":\"ok\",\"value\":1.5,\"unit\":\"s\",\"repetitions\":1,\"min\":1.5,\"max\":1.5}'\n"
              "echo '{\"metric\":\"bad\",\"value\":\"fast\"}'\n"
              "echo 'noise'\n")
    write_job(out, "p", "alpine", PASS, {"bench.sh": script})
    done = cli("bench", out, "--backend", "local", "--results", results)
    assert done.exit_code == 1, done.output
    job = load(results)["jobs"][0]
    assert job["bench"]["counts"] == {"figures": 1, "measured": 1, "malformed": 1, "other_lines": 1}
    assert job["reason"] == "1 line(s) start like a figure but are not one (see the log)"
    assert json.loads((results / "figures" / "p-alpine.json").read_text())[0]["metric"] == "ok"


def test_bench_forms_are_exclusive(out, tmp_path):
    a = tmp_path / "a.json"
    a.write_text('{"metric":"m","value":1}\n')
    for args, message in ((("bench",), "give OUT"),
                          (("bench", out, "--compare", a, a), "OUT and --compare exclude each other"),
                          (("bench", "--compare", a, a, "--backend", "local"), "--backend: options of a bench run"),
                          (("bench", "--compare", a, a, "--format", "json"), "--format: options of a bench run")):
        done = cli(*args)
        assert done.exit_code == 2 and message in done.output, (args, done.output)
    assert cli("bench", "--compare", a, a).exit_code == 0
    b = tmp_path / "b.json"
    b.write_text('[{"metric":"m","value":1,"min":"fast","max":2,"repetitions":5}]')
    done = cli("bench", "--compare", b, b)
    assert done.exit_code == 1 and "a bench result has a figure that is not one" in done.output


def test_help_loads_no_runner_machinery():
    """`mscc --help` and the verify/bench help list options from the task registry alone: no
    engine, backend, report or readback module is imported (start-up stays cheap)."""
    program = ("import sys\nfrom mscc.cli import entry\n"
               "for argv in (['mscc', '--help'], ['mscc', 'verify', '--help'], ['mscc', 'bench', '--help']):\n"
               "    sys.argv = argv\n"
               "    try:\n        entry()\n    except SystemExit:\n        pass\n"
               "sys.stderr.write(' '.join(sorted(m for m in sys.modules if m.startswith('mscc.run'))))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO)
    assert done.stderr.split() == ["mscc.run", "mscc.run.backends", "mscc.run.tasks"], done.stderr


# --- a real aarch64 guest (MSCC_BOOT_TEST=1) -----------------------------------------------------

@pytest.mark.boot
@pytest.mark.skipif(os.environ.get("MSCC_BOOT_TEST") != "1", reason="set MSCC_BOOT_TEST=1 to boot the arm64 guest")
@pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None
                    or not Path("/usr/src/linux-source-6.12.tar.xz").exists(),
                    reason="needs qemu-system-arm, gcc-aarch64-linux-gnu and linux-source-6.12")
def test_qemu_verify_and_bench_on_mscc_16k_kernel_and_on_debians(tmp_path):
    """The verify.sh mscc writes for tests/boot/boot16k.msk, run by `mscc verify --backend qemu`
    in the Debian arm64 userland: on mscc's own 16K kernel every setting holds (page size,
    kernel release, each kept and removed virtio class, read from the running kernel); on
    Debian's stock arm64 kernel it fails naming the page size and the release. Then bench.sh's
    figures from the same guest are stored."""
    from mscc.run.guest import debian_arm64_guest
    from test_run_qemu import mscc_16k_kernel

    machine = debian_arm64_guest()
    image = mscc_16k_kernel(tmp_path)
    out = tmp_path / "out"
    assert cli("compile", REPO / "tests" / "boot" / "boot16k.msk", "--target", "alpine", "-o", out).exit_code == 0
    common = ["--backend", "qemu", "--initrd", machine.initrd, "--identity", machine.key, "--boot-timeout", "5m"]

    done = cli("verify", out, *common, "--kernel", image, "--append", "console=ttyAMA0 panic=-1",
               "--results", tmp_path / "mscc")
    assert done.exit_code == 0, done.output
    folded = load(tmp_path / "mscc")["jobs"][0]["verify"]
    records = {r["setting"]: r for r in folded["records"]}
    assert folded["ok"] and folded["counts"]["hold"] == folded["counts"]["expected"] >= 10
    assert records["page size"]["actual"] == "16384" and records["device virtio-blk"]["actual"] == "present"
    assert records["device virtio-rng"]["actual"] == "absent"

    done = cli("verify", out, *common, "--kernel", machine.kernel, "--append", machine.cmdline,
               "--results", tmp_path / "stock")
    assert done.exit_code == 1, done.output
    assert 'boot16k/alpine: page size: wanted "16384", actual "4096" (read with: getconf PAGESIZE)' in done.output
    failing = [r["setting"] for r in load(tmp_path / "stock")["jobs"][0]["verify"]["failing"]]
    assert {"page size", "kernel release"} <= set(failing)

    done = cli("bench", out, *common, "--kernel", image, "--append", "console=ttyAMA0 panic=-1",
               "--results", tmp_path / "bench")
    assert done.exit_code == 0, done.output
    figures = {f["metric"]: f for f in json.loads((tmp_path / "bench" / "figures" / "boot16k-alpine.json").read_text())}
    assert figures["memory_used"]["value"] > 0 and figures["memory_used"]["unit"] == "bytes"
