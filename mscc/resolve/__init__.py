"""Stage 2: AST → typed model (includes, extends, defaults, units, the chip database)."""
