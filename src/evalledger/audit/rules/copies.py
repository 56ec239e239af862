"""The same precise value on the same task for several models: copied, not measured."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from evalledger.finding import WARNING, Finding
from evalledger.rule import Rule

VALUE_COPIED_ACROSS_MODELS = Rule(
    "value-copied-across-models",
    WARNING,
    "the same precise value appears on the same task for several models",
    """\
**What**: at least `audit.copied-value-min-models` (default 3) different models report exactly the
same value, with at least `audit.copied-value-min-digits` (default 3) significant digits, for the
same benchmark, task and setup. Scope: the repos given to one `evalledger audit` run (several
REPO arguments) plus the rows of `--leaderboard`.

**Why**: independent runs rarely agree to three or more digits; identical numbers usually mean a
score was copied from another model's card (or a template was not filled in).

**Example** (flagged): `org-a/m1`, `org-b/m2` and `org-c/m3` all report `Idavidrein/gpqa`
`diamond` `value: 0.4127`.""",
    "audit",
)

RULES = (VALUE_COPIED_ACROSS_MODELS,)


@dataclass(frozen=True)
class Claim:
    model: str
    benchmark: str
    task: str
    setup: str
    value: float
    path: str
    line: int
    commit: str | None = None


def significant_digits(value: float) -> int:
    text = repr(float(value)).lower()
    if "e" in text:
        text = text.split("e")[0]
    return len(text.replace("-", "").replace(".", "").strip("0"))


def check(claims: Iterable[Claim], min_models: int, min_digits: int) -> Iterator[Finding]:
    groups: dict[tuple[str, str, str, float], list[Claim]] = {}
    for claim in claims:
        if significant_digits(claim.value) < min_digits:
            continue
        groups.setdefault((claim.benchmark, claim.task, claim.setup, float(claim.value)), []).append(claim)
    for (benchmark, task, setup, _value), group in groups.items():
        models = sorted({c.model for c in group})
        if len(models) < min_models:
            continue
        for claim in group:
            others = [m for m in models if m != claim.model]
            yield Finding(
                claim.path,
                claim.line,
                1,
                VALUE_COPIED_ACROSS_MODELS.id,
                VALUE_COPIED_ACROSS_MODELS.severity,
                f"{benchmark} · {task} value {claim.value!r} is also reported by {', '.join(others)}",
                commit=claim.commit,
                new=claim.value,
                evidence={"model": claim.model, "benchmark": benchmark, "task": task, "setup": setup, "models": models},
            )
