"""The one reader and writer of revision ranges, ``BASE..HEAD`` (and git's ``BASE...HEAD``).

Used by ``audit --range``, the pre-push hook's refs, and the Action's ``range``/``base``/``head``
inputs. A range names the commits HEAD has and BASE has not; the audit reads the state at their
merge base, so ``..`` and ``...`` audit the same commits. An empty side means ``HEAD``, as in git.
Imports nothing: the hook path reads it.
"""

from __future__ import annotations

from dataclasses import dataclass


class RangeError(ValueError):
    """Not a range: the message says what was expected."""


@dataclass(frozen=True)
class RevRange:
    base: str
    head: str
    symmetric: bool = False  # written with "..."

    def __str__(self) -> str:
        return f"{self.base}{'...' if self.symmetric else '..'}{self.head}"


def parse(text: str, *, empty_side: str | None = "HEAD") -> RevRange:
    """``BASE..HEAD`` or ``BASE...HEAD``. An empty side is ``empty_side`` (git's rule: ``HEAD``);
    with ``empty_side=None`` both sides must be given. Raises RangeError."""
    dots = "..." if "..." in text else ".."
    base, sep, head = text.partition(dots)
    if not sep or ".." in base or ".." in head:
        raise RangeError(f"{text!r} is not of the form BASE..HEAD")
    if not base or not head:
        if empty_side is None:
            raise RangeError(f"{text!r} must name both ends, BASE..HEAD")
        base, head = base or empty_side, head or empty_side
    return RevRange(base, head, dots == "...")


def join(base: str, head: str) -> str:
    """The range of the commits ``head`` adds to ``base``."""
    return str(RevRange(base, head))
