"""'Did you mean' hints."""

from __future__ import annotations



def did_you_mean(word: str, choices, n: int = 3, cutoff: float = 0.6) -> str | None:
    import difflib  # only needed when something is misspelt

    matches = difflib.get_close_matches(word, list(choices), n=n, cutoff=cutoff)
    if not matches:
        lowered = {c.lower(): c for c in choices}
        matches = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=cutoff)]
    if not matches:
        return None
    return "did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
