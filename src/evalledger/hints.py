"""``did_you_mean``: the one "did you mean" of every message that names an unknown key, rule id,
task id, unit or framework (lint rules, rule selection, the policy file). A module of its own with
no imports at load time, so every layer that words such a message can use it.
"""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a close candidate, else empty: typos are the usual cause."""
    import difflib  # only paid for when a suspicious name was found

    options = list(candidates)
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return f" (did you mean {lowered[word.lower()]!r}?)"
    squashed = word.replace("_", "").replace("-", "").lower()
    for candidate in options:
        if candidate.replace("_", "").replace("-", "").lower() == squashed:
            return f" (did you mean {candidate!r}?)"
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:  # 'gpqa_diamond' vs 'diamond': one contains the other
        contained = [c for c in options if len(c) >= 3 and (c in word or word in c)]
        close = sorted(contained, key=lambda c: (-len(c), c))[:1]
    return f" (did you mean {close[0]!r}?)" if close else ""
