#!/usr/bin/env python3
"""Write the facts mscc keeps about Alpine's virt kernel config (targets/alpine/base-config.json).

    python3 -m scripts.alpine_base_facts --config ../shared/reference/alpine/virt.aarch64.config \\
        -o targets/alpine/base-config.json

The project does not hold the config itself (facts, not copies): it keeps where the file comes
from (repository, path, commit, URL), its size and sha256 (build.sh verifies the download with
them), and the value the file gives each symbol the alpine table (targets/alpine/target.json)
can emit: "y"/"m"/"n"/a number or string as written, or null when the file does not mention
the symbol (the Kconfig default applies).  Deterministic output (sorted keys).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

REPO = "alpinelinux/aports"
PATH = "main/linux-lts/virt.aarch64.config"
COMMIT = "0130e7ac72027084bed6d14ef82f3f2ca39c866d"


def facts(config: bytes, target: dict, *, repo: str = REPO, path: str = PATH, commit: str = COMMIT) -> dict:
    # mscc's own readers: the table's symbols and Kconfig's "later line wins" reading of the file
    sys.path.insert(0, str(ROOT))
    from mscc.emit.alpine_kconfig import table_symbols
    from mscc.linux.kconfig import config_values

    values = config_values(config.decode("utf-8"))
    symbols = sorted({symbol for symbol, _, _ in table_symbols(target)})
    return {
        "$comment": ("Facts about Alpine's virt kernel config that mscc uses; the file itself is not part of "
                     "mscc. build.sh downloads `url` and checks `sha256`; the tests read the file from "
                     "../shared/reference/alpine/. `values`: what the file sets for each symbol the alpine "
                     "table can emit (null: not in the file, the Kconfig default applies)."),
        "generated_by": "scripts/alpine_base_facts.py",
        "source": {"repo": repo, "path": path, "commit": commit},
        "url": f"https://raw.githubusercontent.com/{repo}/{commit}/{path}",
        "sha256": hashlib.sha256(config).hexdigest(),
        "bytes": len(config),
        "values": {symbol: values.get(symbol) for symbol in symbols},
    }


def render(doc: dict) -> str:
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, type=Path, help="Alpine's virt.aarch64.config")
    parser.add_argument("--target", type=Path, default=ROOT / "targets/alpine/target.json")
    parser.add_argument("--commit", default=COMMIT, help="aports commit the config was taken from")
    parser.add_argument("-o", "--output", type=Path, help="default: stdout")
    args = parser.parse_args(argv)
    doc = facts(args.config.read_bytes(), json.loads(args.target.read_text(encoding="utf-8")), commit=args.commit)
    if args.output:
        args.output.write_text(render(doc), encoding="utf-8")
    else:
        sys.stdout.write(render(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
