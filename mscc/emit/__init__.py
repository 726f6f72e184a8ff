"""Stage 4: the checked model → artifacts (Jinja2 templates), a manifest, atomic writes."""
