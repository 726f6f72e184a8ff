"""A stand-in for limactl (Lima refuses to run as root, so the real one cannot run here).

It accepts only the argument shapes the runner's lima backend is meant to use, in a legal order
(an instance must exist before it starts, and run before `shell`), records every call in
$STUB_LIMA_DIR/calls.jsonl, and runs `shell … -- sh -c SCRIPT` on this machine with HOME set to
$STUB_LIMA_DIR/home, as the guest would. STUB_LIMA_FAIL_START=N makes the first N starts fail.
"""

import json
import os
import sys
from pathlib import Path

state_dir = Path(os.environ["STUB_LIMA_DIR"])
state_file = state_dir / "state.json"


def fail(message: str, code: int = 1) -> None:
    sys.stderr.write(f"stub limactl: {message}\n")
    sys.exit(code)


def main(argv: list[str]) -> None:
    with (state_dir / "calls.jsonl").open("a") as calls:
        calls.write(json.dumps(argv) + "\n")
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    if argv[:1] != ["--tty=false"]:
        fail(f"expected --tty=false first, got {argv[:1]}")
    command, args = argv[1], argv[2:]
    if command == "list":
        if args != ["--json"]:
            fail(f"list: unexpected {args}")
        for name, entry in state.items():
            print(json.dumps({"name": name, "status": entry["status"], "dir": str(state_dir / name)}))
    elif command == "create":
        if len(args) != 2 or not args[0].startswith("--name=") or not args[1].endswith("lima.yaml"):
            fail(f"create: unexpected {args}")
        name = args[0].removeprefix("--name=")
        if name in state:
            fail(f"instance {name} already exists")
        if not Path(args[1]).is_file():
            fail(f"no such file {args[1]}")
        state[name] = {"status": "Stopped"}
        (state_dir / name).mkdir()
    elif command == "start":
        if len(args) != 2 or not args[0].startswith("--timeout=") or not args[0].endswith("s"):
            fail(f"start: unexpected {args}")
        if args[1] not in state:
            fail(f"start: no instance {args[1]}")
        failures = int(os.environ.get("STUB_LIMA_FAIL_START", "0"))
        started = state[args[1]].get("attempts", 0)
        state[args[1]]["attempts"] = started + 1
        if started < failures:
            state_file.write_text(json.dumps(state))
            fail("start: the guest did not boot (stubbed failure)")
        state[args[1]]["status"] = "Running"
        (state_dir / args[1] / "serial.log").write_text(f"[    0.000000] Booting {args[1]}\n")
    elif command in ("stop", "delete"):
        names = [a for a in args if a != "--force"]
        if len(names) != 1 or names[0] not in state:
            fail(f"{command}: unexpected {args}")
        if command == "stop":
            state[names[0]]["status"] = "Stopped"
        else:
            del state[names[0]]
    elif command == "shell":
        if args[:2] != ["--workdir", "/"] or len(args) < 6 or args[3:6] != ["--", "sh", "-c"]:
            fail(f"shell: unexpected {args[:6]}")
        if state.get(args[2], {}).get("status") != "Running":
            fail(f"shell: instance {args[2]} is not running")
        home = state_dir / "home"
        home.mkdir(exist_ok=True)
        os.chdir("/")
        os.execvpe("sh", ["sh", "-c", *args[6:]], {"HOME": str(home), "PATH": os.environ["PATH"]})
    else:
        fail(f"unknown command {command}")
    state_file.write_text(json.dumps(state))


main(sys.argv[1:])
