"""Progress of a long map over model repos, on stderr (stdout stays the result: text or pure JSON).

On a terminal one line is rewritten in place, as git and pip do::

    fetching model repos: 45% (225/500), 3 unreachable

In a log (stderr not a terminal: CI, a file) rewriting makes no sense and one line per repo would
bury everything else for thousands of repos, so a plain line is written every ``step`` repos
(about 20 lines per run, never fewer than 25 repos apart) or when ``interval`` seconds have passed
since the last line, with the elapsed time; a run of fewer than ``step`` quick repos stays silent.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TextIO

PLAIN_LINES = 20  # lines a whole run writes to a log, at most (plus slow-run lines)
PLAIN_MIN_STEP = 25  # repos between two log lines, at least
PLAIN_INTERVAL = 10.0  # seconds: a slow run still shows it is alive
TTY_INTERVAL = 0.1  # seconds between redraws on a terminal


class Progress:
    """``advance(failed)`` once per repo done, ``close()`` at the end (also after an error)."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        label: str,
        failed_label: str = "failed",
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
        interval: float = PLAIN_INTERVAL,
    ) -> None:
        self.total, self.stream, self.label, self.failed_label = total, stream, label, failed_label
        self.enabled = enabled and total > 0
        try:
            self.tty = self.enabled and stream.isatty()
        except (AttributeError, ValueError, OSError):
            self.tty = False
        self.clock, self.interval = clock, interval
        self.step = max(PLAIN_MIN_STEP, math.ceil(total / PLAIN_LINES))
        self.done = self.failed = 0
        self.start = self.last = clock()
        self.shown = -1  # repos done at the last line written (-1: none yet)
        if self.tty:
            self._draw()

    def advance(self, failed: bool = False) -> None:
        self.done += 1
        self.failed += bool(failed)
        if not self.enabled:
            return
        now = self.clock()
        if self.tty:
            if now - self.last >= TTY_INTERVAL or self.done == self.total:
                self.last = now
                self._draw()
        elif self.done % self.step == 0 or now - self.last >= self.interval:
            self.last = now
            self._line()

    def close(self) -> None:
        if not self.enabled:
            return
        if self.tty:
            self._draw()
            self.stream.write("\n")
        elif self.shown >= 0 and self.shown != self.done:
            self._line()  # the last count, once some line was written
        self.stream.flush()
        self.enabled = False

    def text(self) -> str:
        percent = self.done * 100 // self.total
        text = f"{self.label}: {percent}% ({self.done}/{self.total})"
        if self.failed:
            text += f", {self.failed} {self.failed_label}"
        return text

    def _draw(self) -> None:
        self.stream.write("\r" + self.text() + "\x1b[K")  # erase what a longer line left
        self.stream.flush()
        self.shown = self.done

    def _line(self) -> None:
        self.stream.write(f"{self.text()} [{self.clock() - self.start:.0f}s]\n")
        self.stream.flush()
        self.shown = self.done
