"""The command line: the only place that prints or exits; everything below returns values.

Exit status: 0 success, 1 the input has errors (diagnostics printed), 2 usage errors,
70 an internal error. Where each command prints: mscc.cli.output.
"""

from mscc.cli.main import entry, main

__all__ = ["entry", "main"]
