"""The `mscc` command group and the console script.

Each command lives in its own module of this package and is imported only when it runs (or
when --help lists it), so start-up — a pre-commit hook runs mscc on every commit — pays for
nothing it does not use. COMMANDS is the one list of commands.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from importlib.util import find_spec

import click

from mscc import __version__

# name → "module:attribute" of the click command
COMMANDS: dict[str, str] = {
    "audit": "mscc.cli.audit:audit",
    "codes": "mscc.cli.info:list_codes",
    "compile": "mscc.cli.compile:compile_command",
    "explain": "mscc.cli.info:explain",
    "fmt": "mscc.cli.lint:fmt",
    "hardware": "mscc.cli.info:hardware_group",
    "lint": "mscc.cli.lint:lint",
    "targets": "mscc.cli.info:list_targets",
    "run": "mscc.cli.run:run",
    "build-all": "mscc.cli.run:build_all",
    "ci": "mscc.cli.ci:ci_group",
    "verify": "mscc.cli.verify:verify",
    "bench": "mscc.cli.verify:bench",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._available()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        # Only the command asked for is looked up: start-up pays for one module search, not one per command.
        if command is not None or cmd_name not in COMMANDS or not _installed(cmd_name):
            return command
        module, attr = COMMANDS[cmd_name].split(":")
        found = getattr(importlib.import_module(module), attr)
        assert isinstance(found, click.Command)
        return found

    @staticmethod
    def _available() -> list[str]:
        # A command whose module this installation lacks is left out rather than crashing.
        return [n for n in COMMANDS if _installed(n)]


def _installed(name: str) -> bool:
    return find_spec(COMMANDS[name].split(":")[0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mscc")
def main() -> None:
    """mscc — compile .msk profiles into kernel configs, ZFS tunables, VM definitions and
    build scripts for VMs on Apple Silicon Macs."""


def entry() -> None:
    """The console script: a bug in mscc is reported in one line, not as a traceback."""
    # Lark imports the third-party `regex` engine whenever it is installed, for grammar
    # features mscc's grammar does not use; the stdlib `re` serves. Keeping it out saves
    # ~7 ms of every start-up, which a pre-commit hook pays on each commit. This process
    # is mscc's own, so nothing else here expects `regex`.
    sys.modules.setdefault("regex", None)  # type: ignore[arg-type]  # None makes `import regex` fail
    try:
        main(prog_name="mscc")
    except Exception as err:  # anything reaching here is mscc's fault, not the input's
        if os.environ.get("MSCC_DEBUG"):
            raise
        click.echo(f"mscc: internal error: {type(err).__name__}: {err}\n"
                   "(this is a bug in mscc; MSCC_DEBUG=1 shows the traceback)", err=True)
        sys.exit(70)
    finally:
        # The process ends here. The interpreter's teardown runs garbage-collection passes
        # over every object still alive (modules, classes, the grammar's tables): a twelfth of
        # the CPU time of a one-file lint, which a pre-commit hook pays on every commit. Frozen
        # objects are left out of those passes; the memory returns to the system either way.
        gc.freeze()
