"""Stage 1: text → AST with spans (Lark, LALR)."""
