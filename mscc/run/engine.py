"""Running the jobs: discovery → resume check → per job boot (once per OS), sync in, run the
task's script (build.sh, verify.sh or bench.sh: tasks.py) with an overall and a no-output
timeout, sync out the artifacts of a build, or fold verify/bench output (readback.py) →
report. Returns values; prints only through the Console it is given."""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mscc.run import readback
from mscc.run import report as reports
from mscc.run.artifacts import declared, verify
from mscc.run.backends.base import Backend, InfraError, Running
from mscc.run.console import Console, LogTail
from mscc.run.jobs import Job
from mscc.run.tasks import BUILD, Task

# After the build's shell exits, how long a leftover process holding its output may keep the
# stream open before the runner stops reading.
EXIT_GRACE = 2.0


@dataclass
class RunOptions:
    results: Path
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 6 * 3600.0
    no_output_timeout: float = 30 * 60.0
    resume: Path | None = None
    keep_going: bool = False
    task: Task = BUILD

    def keyed(self) -> dict[str, Any]:
        """The options that change what a job produces (part of the cache key). A build's key
        stays what it was before there were other tasks; a verify or bench is keyed apart."""
        keyed: dict[str, Any] = {"env": dict(sorted(self.env.items()))}
        if self.task.name != BUILD.name:
            keyed["task"] = self.task.name
        return keyed

    def recorded(self) -> dict[str, Any]:
        return {**self.keyed(), "timeout": self.timeout, "no_output_timeout": self.no_output_timeout,
                "keep_going": self.keep_going}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def pump(process: subprocess.Popen, feed: Callable[[bytes], None], deadline: float,
         silence: float) -> str:
    """Copy the build's output to FEED until it ends ("exit"), the overall deadline passes
    ("timeout") or it prints nothing for SILENCE seconds ("no-output")."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    last_output = time.monotonic()
    exited_at: float | None = None
    try:
        while True:
            now = time.monotonic()
            if now >= deadline:
                return "timeout"
            if now - last_output >= silence:
                return "no-output"
            if exited_at is None and process.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at >= EXIT_GRACE:
                return "exit"
            wait = min(deadline - now, last_output + silence - now, 0.5)
            if selector.select(max(wait, 0.0)):
                chunk = os.read(fd, 65536)
                if not chunk:
                    process.wait()
                    return "exit"
                feed(chunk)
                last_output = time.monotonic()
    finally:
        selector.close()


def _drain(running: Running, feed: Callable[[bytes], None]) -> None:
    """After a kill: keep what the build printed last, then make sure our own child is gone."""
    process = running.process
    with contextlib.suppress(OSError):
        pump(process, feed, time.monotonic() + 5, 5)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()  # our own direct child (the ssh client or the local sh), by its Popen
        process.wait()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


class Runner:
    def __init__(self, backend: Backend, options: RunOptions, console: Console):
        self.backend = backend
        self.options = options
        self.console = console
        self.identity = backend.identity()
        self.results_dir = options.results
        self.previous: dict[str, dict[str, Any]] = {}
        self.previous_dir = options.results

    def load_resume(self) -> str | None:
        if self.options.resume is None:
            return None
        self.previous, self.previous_dir, problem = reports.load_previous(self.options.resume)
        return problem

    def run(self, jobs: list[Job]) -> tuple[dict[str, Any], int]:
        started = _now()
        (self.results_dir / "logs").mkdir(parents=True, exist_ok=True)
        results: list[reports.JobResult] = []
        not_run: list[str] = []
        consoles: list[str] = []
        interrupted = False
        old_term = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            for index, job in enumerate(jobs, 1):
                result = self._cached(job)
                if result is None:
                    result, interrupted = self._execute(index, len(jobs), job)
                else:
                    self.console.progress(index, len(jobs), job.name, "cached", 0.0)
                results.append(result)
                self._summary_line(result)
                stop = interrupted or (result.status not in ("passed", "cached") and not self.options.keep_going)
                if stop:
                    not_run = [j.name for j in jobs[index:]]
                    if not_run and not interrupted:
                        self.console.say(f"stopping after {result.name} (--keep-going runs the rest): "
                                         f"not run: {', '.join(not_run)}")
                    break
        except KeyboardInterrupt:
            interrupted = True
            done = {r.name for r in results}
            not_run = [j.name for j in jobs if j.name not in done]
        finally:
            previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                consoles = self.backend.close(self.console.say)
            except InfraError as err:
                self.console.say(f"mscc run: {err}")
            signal.signal(signal.SIGINT, previous_int)
            signal.signal(signal.SIGTERM, old_term)
        code = reports.exit_status(results, interrupted)
        doc = reports.document(results, backend=self.identity, options=self.options.recorded(),
                               started=started, finished=_now(), exit_code=code, not_run=not_run,
                               consoles=consoles, task=self.options.task.name)
        reports.write(self.results_dir / "report.json", doc)
        return doc, code

    # -- one job ---------------------------------------------------------------------------
    def key(self, job: Job) -> str:
        return reports.cache_key(job, self.identity, self.options.keyed())

    def _cached(self, job: Job) -> reports.JobResult | None:
        """A result for JOB from --resume: passed before under the same key, and every artifact
        still verifies. Failed jobs always run again."""
        old = self.previous.get(job.name)
        key = self.key(job)
        if not old or old["status"] not in ("passed", "cached") or old["cache_key"] != key:
            return None
        if not all(verify(self.previous_dir, a) for a in old["artifacts"]):
            return None
        artifacts = old["artifacts"]
        log = old.get("log")
        if self.previous_dir.resolve() != self.results_dir.resolve():
            for entry in artifacts:
                dest = self.results_dir / entry["stored"]
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.previous_dir / entry["stored"], dest)
            if log and (self.previous_dir / log).is_file():
                (self.results_dir / log).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.previous_dir / log, self.results_dir / log)
        return reports.JobResult(job.profile, job.target, "cached", old.get("exit_code"), key,
                                 "passed before with the same cache key", log, {}, artifacts)

    def _execute(self, index: int, total: int, job: Job) -> tuple[reports.JobResult, bool]:
        log_rel = f"logs/{job.slug}.log"
        result = reports.JobResult(job.profile, job.target, cache_key=self.key(job), log=log_rel)
        task = job.task
        log = LogTail(self.results_dir / log_rel,
                      lambda text: self.console.line(job.name, readback.shown(task.name, text)))
        # The script's own output, apart from the runner's notes, for verify and bench to fold.
        output = readback.Output()

        def feed(chunk: bytes) -> None:
            log.feed(chunk)
            if not task.copies_artifacts:
                output.feed(chunk)

        began = time.monotonic()
        interrupted = False
        started = explained = False

        def phase(name: str) -> float:
            self.console.progress(index, total, job.name, name, time.monotonic() - began)
            return time.monotonic()

        running: Running | None = None
        try:
            if self.backend.dry_run:
                self._dry_run(job, result, log, phase)
            else:
                if self.backend.prepare_phase:
                    phase(self.backend.prepare_phase)
                booted = self.backend.prepare(job, log.note)
                if booted:
                    result.phases[self.backend.prepare_phase or "boot"] = booted
                at = phase("sync-in")
                self.backend.sync_in(job)
                result.phases["sync-in"] = time.monotonic() - at
                at = phase(task.name)
                running = self.backend.start(job, self.options.env)
                started = True
                deadline = at + self.options.timeout
                outcome = pump(running.process, feed, deadline, self.options.no_output_timeout)
                result.phases[task.name] = time.monotonic() - at
                if outcome == "exit":
                    result.exit_code = running.exit_code()
                    running = None
                    result.status = "passed" if result.exit_code == 0 else "failed"
                    if result.status == "failed":
                        result.reason = f"{readback.script_name(job.script)} exited with status {result.exit_code}"
                else:
                    result.status = "timeout"
                    result.reason = (f"no output for {self.options.no_output_timeout:g} s" if outcome == "no-output"
                                     else f"still running after {self.options.timeout:g} s")
                    log.note(f"{result.reason}: killing the build's process tree")
                    result.still_alive = running.kill()
                    log.note(result.still_alive)
                    _drain(running, feed)
                    running = None
                if started and not task.copies_artifacts:
                    explained = self._fold(job, result, output)
                if result.status in ("passed", "failed") and task.copies_artifacts:
                    at = phase("sync-out")
                    result.artifacts = [a.to_dict() for a in self.backend.sync_out(job, self.options.env)]
                    result.phases["sync-out"] = time.monotonic() - at
                self.backend.cleanup(job)
        except InfraError as err:
            result.status = "infra-error"
            result.reason = str(err)
            log.note(str(err))
        except KeyboardInterrupt:
            interrupted = True
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the kill
            result.status = "failed"
            result.reason = "interrupted (Ctrl-C or SIGTERM)"
            log.note(result.reason)
            if running is not None:
                result.still_alive = running.kill()
                log.note(result.still_alive)
                _drain(running, feed)
            signal.signal(signal.SIGINT, signal.default_int_handler)
        finally:
            result.duration = time.monotonic() - began
            log.close()
        if started and not task.copies_artifacts and not (result.verify or result.bench):
            explained = self._fold(job, result, output)  # what arrived before an error or Ctrl-C
        if result.status not in ("passed", "cached") and not explained:
            self.console.failure(job.name, log.tail, str(self.results_dir / log_rel))
        return result, interrupted

    def _fold(self, job: Job, result: reports.JobResult, output: readback.Output) -> bool:
        """Fold verify.sh's records or bench.sh's figures into RESULT; a job whose script
        exited 0 passes only if its output holds. True when the reason says it all."""
        ended = result.exit_code  # None: it did not end by itself (timeout, Ctrl-C, lost channel)
        if job.task.name == "verify":
            expected = readback.expected_settings(job.directory / job.script)
            folded = readback.fold_verify(output, ended, expected, readback.script_name(job.script))
            result.verify = folded.summary
        else:
            folded = readback.fold_bench(output, ended, self.results_dir, job.slug, readback.script_name(job.script))
            result.bench = folded.summary
        if folded.problem and ended is not None:
            result.status = "failed"
            result.reason = folded.problem
        return folded.explained and result.status == "failed"

    def _dry_run(self, job: Job, result: reports.JobResult, log: LogTail, phase) -> None:
        at = phase("check")
        env = " ".join(f"{k}=…" for k in self.options.env) or "(none)"
        log.note(f"plan: copy {job.directory} in, run `sh ./{job.script}` with stdin /dev/null, "
                 f"env {env}, timeout {self.options.timeout:g} s, no-output timeout "
                 f"{self.options.no_output_timeout:g} s")
        if job.task.name == "verify":
            log.note("plan: copy back nothing; fold the script's JSON records into report.json (job.verify)")
        elif job.task.name == "bench":
            log.note(f"plan: copy back nothing; store the script's figures in "
                     f"{readback.FIGURES_DIR}/{job.slug}.json and fold them into report.json (job.bench)")
        else:
            log.note(f"plan: copy back {', '.join(declared(job.target)) or 'nothing (no declared artifacts)'}")
        failed = []
        for script, status, message in self.backend.check_scripts(job):  # type: ignore[attr-defined]
            log.note(f"sh -n {script}: {'ok' if status == 0 else message or f'status {status}'}")
            if status != 0:
                failed.append(script)
        result.phases["check"] = time.monotonic() - at
        result.status = "failed" if failed else "passed"
        result.exit_code = 1 if failed else 0
        if failed:
            result.reason = f"sh -n rejects {', '.join(failed)}"

    def _summary_line(self, result: reports.JobResult) -> None:
        extra = f": {result.reason}" if result.reason and result.status != "cached" else ""
        alive = f" ({result.still_alive})" if result.still_alive else ""
        self.console.say(f"{result.name}: {result.status} in {result.duration:.1f} s{extra}{alive}")
