"""Stage 3: the resolved model → diagnostics (capability rules per target, safety lints)."""
