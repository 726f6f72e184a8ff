"""'Did you mean' hints."""

from __future__ import annotations

# difflib compares the word with every choice (quadratic in their lengths): a hostile file
# with thousands of unknown names against thousands of known ones took half a minute. Each
# run makes at most MAX_SUGGESTIONS suggestions, compares words of at most MAX_WORD characters,
# and looks at the first MAX_CHOICES choices of a list. The count restarts for every input
# file (reset_budget), so the work is linear in the number of files.
MAX_SUGGESTIONS = 50
MAX_WORD = 64
MAX_CHOICES = 20_000
_made = [0]  # suggestions made for the current file (a list: mutable without `global`)


def reset_budget() -> None:
    _made[0] = 0


def budget_left(word: object) -> bool:
    """Whether one more suggestion may be computed for `word` (and count it). Every fuzzy
    "did you mean" search of mscc asks this first."""
    if not isinstance(word, str) or len(word) > MAX_WORD or _made[0] >= MAX_SUGGESTIONS:
        return False
    _made[0] += 1
    return True


def did_you_mean(word: str, choices, n: int = 3, cutoff: float = 0.6) -> str | None:
    import difflib  # only needed when something is misspelt
    from itertools import islice

    if not budget_left(word):
        return None
    candidates = [c for c in islice(choices, MAX_CHOICES) if isinstance(c, str) and len(c) <= 2 * MAX_WORD]
    matches = difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)
    if not matches:
        lowered = {c.lower(): c for c in candidates}
        matches = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=cutoff)]
    if not matches:
        return None
    return "did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
