"""Backends: where a job runs. Each one is a module with a class implementing base.Backend;
BACKENDS is the one list of them (the CLI's --backend choices come from it)."""

from __future__ import annotations

BACKENDS = {
    "dry-run": "mscc.run.backends.dryrun:DryRunBackend",
    "local": "mscc.run.backends.local:LocalBackend",
    "ssh": "mscc.run.backends.ssh:SshBackend",
    "lima": "mscc.run.backends.lima:LimaBackend",
    "qemu": "mscc.run.backends.qemu:QemuBackend",
}


def load(name: str):
    import importlib

    module, attr = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module), attr)
