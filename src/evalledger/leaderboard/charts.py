"""Charts for the dataset card (``aggregate --charts``): per board (task and setup) a top-N bar chart
and the state of the art over time, as SVG files committed next to the tables and embedded in the
card. The series come from ``trends`` (the same as the site's); matplotlib draws them.

matplotlib is an optional extra (``pip install 'evalledger[charts]'``): aggregate works without
it, and writes charts only when asked (``--charts``), failing up front with an install hint when
the extra is missing; charts never appear or vanish with what happens to be installed.

Deterministic bytes: the SVG backend gets a fixed ``svg.hashsalt`` (its element ids), no
``Date`` and no ``Creator`` metadata (the version string), text as ``<text>`` elements
(``svg.fonttype: none``: no glyph outlines from whatever fonts are installed) laid out with the
DejaVu Sans metrics matplotlib ships, and mathtext off (``text.parse_math``: a ``$`` in a model id
is a dollar sign, never TeX). The same tables and the same matplotlib version give the same bytes.

Model ids are drawn as text (escaped as XML by matplotlib) after ``escape.terminal`` made any
control character visible, and cut to a bounded length.
"""

from __future__ import annotations

import io
from typing import Any

from evalledger.escape import file_stem, number_cell, shorten, terminal, unique_stem
from evalledger.leaderboard import trends

CHARTS_DIR = "charts"
# Okabe-Ito: distinguishable with the common colour-vision deficiencies
BLUE, SKY, VERMILLION, GREY = "#0072B2", "#56B4E9", "#D55E00", "#555555"
RC: dict[Any, Any] = {  # typed loosely: matplotlib types its keys as literals
    "svg.hashsalt": "evalledger",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": GREY,
    "axes.labelcolor": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "svg.image_inline": True,
    "path.simplify": False,
}
METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _label(text: str, limit: int = 32) -> str:
    return shorten(terminal(" ".join(str(text).split())), limit)


def slug(task: str, setup: str, taken: set[str]) -> str:
    """A file-name stem for a board, unique within the run."""
    base = file_stem(task, 60, "task")
    if setup:
        base += "--" + file_stem(setup, 40, "setup")
    return unique_stem(base, taken)


def render(
    leaderboard: list[dict[str, str]],
    candidates: list[dict[str, str]],
    directions: dict[str, str],
    folder: str,
    top: int = 10,
) -> dict[trends.Board, list[tuple[str, str, bytes]]]:
    """Per board: [(alt text, repo-relative path, svg bytes)] for its top-N and history charts."""
    import matplotlib

    matplotlib.use("svg", force=True)
    from matplotlib import pyplot as plt

    by_board = trends.boards(candidates)
    out: dict[trends.Board, list[tuple[str, str, bytes]]] = {}
    taken: set[str] = set()
    with matplotlib.rc_context(RC):
        for board, rows in trends.boards(leaderboard).items():
            _, task, setup = board
            direction = directions.get(task, "higher")
            stem = f"{folder}/{slug(task, setup, taken)}"
            title = _label(task, 40) + (f" ({_label(setup, 40)})" if setup else "")
            charts = []
            best = trends.top(rows, top)
            if best:
                charts.append(
                    (
                        f"Top {len(best)} on {task}" + (f" ({setup})" if setup else ""),
                        f"{stem}-top.svg",
                        _top_chart(plt, best, title, direction),
                    )
                )
            sota = trends.state_of_the_art(by_board.get(board, ()), direction)
            if sota:
                charts.append(
                    (
                        f"State of the art over time on {task}" + (f" ({setup})" if setup else ""),
                        f"{stem}-sota.svg",
                        _sota_chart(plt, sota, title, direction),
                    )
                )
            out[board] = charts
    return out


def _svg(plt: Any, fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata=METADATA, bbox_inches="tight", pad_inches=0.08)
    plt.close(fig)
    return buffer.getvalue()


def _top_chart(plt: Any, rows: list[dict[str, str]], title: str, direction: str) -> bytes:
    labels = [f"{row.get('rank') or ''}. {_label(row.get('model') or '')}" for row in rows]
    values = [number_cell(row.get("value")) or 0.0 for row in rows]
    fig, ax = plt.subplots(figsize=(6.4, 0.45 + 0.26 * len(rows)))
    colours = [BLUE if i == 0 else SKY for i in range(len(rows))]
    bars = ax.barh(range(len(rows)), values, color=colours, height=0.7)
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[f"{v:g}" for v in values], padding=3, fontsize=8)
    ax.set_title(f"Top {len(rows)}: {title} ({direction} is better)", loc="left", fontsize=10)
    ax.margins(x=0.12)
    return _svg(plt, fig)


def _sota_chart(plt: Any, records: list[trends.Record], title: str, direction: str) -> bytes:
    import datetime

    when = [datetime.datetime.fromtimestamp(r.seconds, tz=datetime.timezone.utc).replace(tzinfo=None) for r in records]
    values = [r.value for r in records]
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    ax.step(when, values, where="post", color=VERMILLION, linewidth=2)
    ax.plot(when, values, "o", color=BLUE, markersize=5)
    last = records[-1]
    ax.annotate(
        f"{_label(last.model)} {last.value:g}",
        (when[-1], values[-1]),
        textcoords="offset points",
        xytext=(-4, 7),
        ha="right" if len(records) > 1 else "center",
        fontsize=8,
    )
    ax.set_title(f"State of the art: {title} ({direction} is better)", loc="left", fontsize=10)
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=2, maxticks=6)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.margins(x=0.06, y=0.18)
    if len(records) == 1:  # one record: a week around it, not matplotlib's default of years
        ax.set_xlim(when[0] - datetime.timedelta(days=3), when[0] + datetime.timedelta(days=3))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    return _svg(plt, fig)


def table_rows(tables: Any) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """``write.Tables`` (this run's rows) as the text cells ``render`` reads, the columns it needs."""
    from evalledger.leaderboard.write import cell

    board = ("benchmark", "task", "setup", "model", "value")
    leaderboard = [{c: cell(getattr(r, c)) for c in board + ("rank",)} for r in tables.leaderboard]
    candidates = [{c: cell(getattr(r, c)) for c in board + ("eligible", "commit_time")} for r in tables.candidates]
    return leaderboard, candidates


def stale_files(root: Any, folder: str, produced: Any) -> list[str]:
    """Chart files under ``root/folder`` this run does not produce (removed with the tables)."""
    from pathlib import Path

    where = Path(root) / folder
    if not where.is_dir():
        return []
    return sorted(f"{folder}/{p.name}" for p in where.glob("*.svg") if f"{folder}/{p.name}" not in produced)
