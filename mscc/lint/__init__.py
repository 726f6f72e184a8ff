"""`mscc lint`: .msk profiles and the configuration files they stand for.

One checker module per file kind (kinds.KINDS); the driver reads the files, picks the
checker by name and content, then applies inline ignores and the project settings.
Nothing here prints or exits.
"""

from mscc.lint.driver import LintOptions, LintResult, lint_paths

__all__ = ["LintOptions", "LintResult", "lint_paths"]
