"""``evalledger site``: the committed leaderboard tables as a static, self-contained web site.

Input: the tables ``aggregate`` committed (``leaderboard``, ``candidates``, ``flags`` under
``--tables-dir``, CSV or Parquet, read with ``write.read_table``) and the benchmark's
``.evalledger.yaml`` (each task's direction). Output (``--output``, default ``_site``, the folder
GitHub's Pages actions upload): ``index.html``, one ``<benchmark>.html`` per benchmark, and
``assets/site.js`` / ``assets/site.css`` copied from the package. No server, no network at view
time: nothing is loaded from anywhere but these files.

Safety: every string in the tables may come from a model repo. The generator writes text into
HTML only through ``html.escape``; the page's data is a ``<script type="application/json">``
block (``<``, ``>`` and ``&`` written as ``\\u003c``-style escapes, so no ``</script>`` or
``<!--`` can occur in it) that ``site.js`` reads with ``JSON.parse`` and puts into the page with
``textContent`` and ``setAttribute`` only (never ``innerHTML``). Links are built here from
validated parts (huggingface.co / github.com repos, 40-hex commits) or taken as given only when
they are ``http(s)://``; the script checks the scheme again. A Content-Security-Policy meta tag
allows scripts and styles from the site's own files only: no inline script runs, whatever a
table holds.

Determinism: the bytes depend only on the tables and the policy (sorted keys, no timestamps, no
version stamp, no absolute paths), so a site rebuilt from the same commit is the same site.
"""

from __future__ import annotations

import argparse
import functools
import html
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from evalledger.cli import UsageError
from evalledger.escape import file_stem, number_cell, unique_stem, whole_cell
from evalledger.leaderboard import trends
from evalledger.leaderboard.write import MAX_TABLE_BYTES, Output, read_table, write_files
from evalledger.policy import BenchmarkPolicy, load_policy

ASSETS = ("site.css", "site.js")
MARKER = ".evalledger-site"  # an output folder we made; another non-empty folder is never written into
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
ROW = (
    "rank",
    "model",
    "value",
    "verified",
    "community",
    "stale",
    "conflict",
    "flags",
    "date",
    "commit_time",
    "candidates",
    "selection_reason",
    "model_repo",
    "ref",
    "commit",
    "file",
    "line",
    "repo_link",
    "link",
    "source_url",
    "source_name",
)
CANDIDATE = (
    "value",
    "selected",
    "eligible",
    "selection_reason",
    "verified",
    "community",
    "stale",
    "date",
    "commit_time",
    "model_repo",
    "ref",
    "commit",
    "file",
    "line",
    "link",
    "source_url",
    "source_name",
)
FLAG = ("rule", "severity", "commit", "file", "line", "message")
BOOLS = {"verified", "community", "stale", "conflict", "selected", "eligible"}
INTS = {"rank", "line", "candidates"}
MAX_TEXT = 2000  # one cell shown in the site, in characters (the tables bound nothing)

_REPO = re.compile(
    r"(?:https://(huggingface\.co|github\.com)/|git@(github\.com):)"
    r"([A-Za-z0-9][A-Za-z0-9_.-]{0,95})/([A-Za-z0-9][A-Za-z0-9_.-]{0,95}?)(?:\.git)?/?"
)
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_WEB = re.compile(r"https?://[^\s\x00-\x1f\x7f<>\"'`\\]{1,2000}")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repo",
        default=".",
        metavar="DIR",
        help="the benchmark repo: its tables and .evalledger.yaml (default: current directory)",
    )
    parser.add_argument(
        "--tables-dir",
        default="leaderboard",
        metavar="DIR",
        help="folder of the tables aggregate wrote, relative to --repo (default: %(default)s)",
    )
    parser.add_argument(
        "--output",
        default="_site",
        metavar="DIR",
        help="folder to write the site to; created, or one this command wrote before (default: %(default)s)",
    )
    parser.add_argument(
        "--top", type=int, default=10, metavar="N", help="models in each task's bar chart (default: %(default)s)"
    )


def run(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise UsageError("--top must be at least 1")
    root = Path(args.repo)
    if not root.is_dir():
        raise UsageError(f"--repo {args.repo}: not a directory")
    written, pages = publish(root, args.tables_dir, Path(args.output), top=args.top)
    import sys

    from evalledger.escape import log_line

    sys.stdout.write(
        log_line(f"site: {pages} benchmark page(s) in {args.output}; {len(written) or 'no'} file(s) changed") + "\n"
    )
    return 0


def publish(root: Path, tables_dir: str, output: Path, *, top: int = 10) -> tuple[list[str], int]:
    """Build the site from the tables under ``root/tables_dir`` and write it to ``output``;
    return (paths written or removed, benchmark pages)."""
    policy, problems = load_policy(root)
    errors = [f for f in problems if f.severity == "error"]
    if errors:
        shown = "\n".join(f"{f.path}:{f.line}:{f.column}: {f.severity} {f.rule} {f.message}" for f in errors)
        raise UsageError(f"cannot build the site:\n{shown}")
    tables = _read(root / tables_dir)
    files = build(*tables, policy=policy, top=top)
    check_output(output)
    previous = _ours(output)
    files[MARKER] = b"evalledger site: files in this folder are rewritten by `evalledger site`\n"
    result = write_files(output, Output(files, sorted(previous - set(files))))
    return result, sum(1 for name in files if name.endswith(".html") and name != "index.html")


def _read(folder: Path) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]] | None]:
    found: list[Any] = []
    for name in ("leaderboard", "candidates", "flags"):
        rows = None
        for ext in ("csv", "parquet"):
            path = folder / f"{name}.{ext}"
            if os.path.lexists(path):  # a FIFO or a folder there is "cannot read", not "no such table"
                rows = read_table(path)
                if rows is None:
                    raise UsageError(
                        f"{path}: cannot read this table (not a regular file, over"
                        f" {MAX_TABLE_BYTES:,} bytes, or not a table aggregate wrote?)"
                    )
                break
        if rows is None and name != "flags":
            raise UsageError(
                f"{folder / (name + '.csv')}: no such table; run `evalledger aggregate` first (or pass --tables-dir)"
            )
        found.append(rows)
    return found[0], found[1], found[2]


def check_output(output: Path) -> None:
    if output.exists() and not output.is_dir():
        raise UsageError(f"--output {output}: not a directory")
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise UsageError(
            f"--output {output}: the folder has files this command did not write; give an "
            "empty or new folder (its files would be replaced)"
        )


def _ours(output: Path) -> set[str]:
    """Files a previous run wrote (removed when this run does not produce them)."""
    if not (output / MARKER).is_file():
        return set()
    found = {p.name for p in output.glob("*.html")}
    found |= {f"assets/{p.name}" for p in (output / "assets").glob("*") if p.is_file()}
    return found


# --- the site's files --------------------------------------------------------------------------


def build(
    leaderboard: list[dict[str, str]],
    candidates: list[dict[str, str]],
    flags: list[dict[str, str]] | None,
    *,
    policy: BenchmarkPolicy | None = None,
    top: int = 10,
) -> dict[str, bytes]:
    """Relative path -> bytes of every file of the site."""
    policy = policy or BenchmarkPolicy()
    files: dict[str, bytes] = {}
    for name in ASSETS:
        files[f"assets/{name}"] = (
            resources.files("evalledger.leaderboard").joinpath("site_assets").joinpath(name).read_bytes()
        )
    by_bench: dict[str, list[dict[str, str]]] = {}
    for row in leaderboard:
        by_bench.setdefault(row.get("benchmark") or "", []).append(row)
    cand_by_key: dict[tuple[str, str, str, str], list[dict[str, str]]] = {}
    cand_by_board: dict[trends.Board, list[dict[str, str]]] = {}
    for row in candidates:
        board = trends.board_of(row)
        cand_by_key.setdefault(board + (row.get("model") or "",), []).append(row)
        cand_by_board.setdefault(board, []).append(row)
    flags_by_key: dict[tuple[str, str, str, str], list[dict[str, str]]] = {}
    for row in flags or ():
        key = (row.get("benchmark") or "", row.get("task") or "", row.get("setup") or "", row.get("model") or "")
        flags_by_key.setdefault(key, []).append(row)
    pages = []
    slugs: set[str] = {"index"}
    for bench in sorted(by_bench):
        slug = _slug(bench, slugs)
        data = _page_data(
            bench, by_bench[bench], cand_by_key, cand_by_board, flags_by_key, policy, top, flags is not None
        )
        files[f"{slug}.html"] = _page(bench, data).encode("utf-8")
        tasks = sorted({row.get("task") or "" for row in by_bench[bench]})
        pages.append((bench, slug, len(by_bench[bench]), tasks))
    files["index.html"] = _index(pages).encode("utf-8")
    return files


def _slug(bench: str, taken: set[str]) -> str:
    return unique_stem(file_stem(bench.replace("/", "--"), 80, "benchmark"), taken)


def _page_data(
    bench: str,
    rows: list[dict[str, str]],
    cand_by_key: dict[tuple[str, str, str, str], list[dict[str, str]]],
    cand_by_board: dict[trends.Board, list[dict[str, str]]],
    flags_by_key: dict[tuple[str, str, str, str], list[dict[str, str]]],
    policy: BenchmarkPolicy,
    top: int,
    audited: bool,
) -> dict[str, Any]:
    boards = []
    for (_, task, setup), board_rows in trends.boards(rows).items():
        task_policy = policy.for_task(task)
        board = (bench, task, setup)
        items = []
        for row in board_rows:
            key = board + (row.get("model") or "",)
            item = _typed(row, ROW)
            item[ROW.index("repo_link")] = repo_link(row.get("model_repo"))
            item[ROW.index("link")] = file_link(
                row.get("model_repo"), row.get("commit"), row.get("file"), row.get("line")
            )
            item[ROW.index("source_url")] = web_link(row.get("source_url"))
            cands = [_candidate(c) for c in cand_by_key.get(key, ())]
            found = [_typed(f, FLAG) for f in flags_by_key.get(key, ())]
            items.append([item, cands, found])
        sota = trends.state_of_the_art(cand_by_board.get(board, ()), task_policy.direction)
        boards.append(
            {
                "task": _text(task),
                "setup": _text(setup),
                "direction": task_policy.direction,
                "unit": task_policy.unit or "",
                "rows": items,
                "sota": [[r.when, r.value, _text(r.model)] for r in sota],
                "top": [
                    [_typed(r, ("rank",))[0], _text(r.get("model")), number_cell(r.get("value"))]
                    for r in trends.top(board_rows, top)
                ],
            }
        )
    return {
        "benchmark": _text(bench),
        "audited": audited,
        "top": top,
        "boards": boards,
        "columns": {"row": list(ROW), "candidate": list(CANDIDATE), "flag": list(FLAG)},
    }


def _candidate(row: dict[str, str]) -> list[Any]:
    item = _typed(row, CANDIDATE)
    item[CANDIDATE.index("link")] = file_link(
        row.get("model_repo"), row.get("commit"), row.get("file"), row.get("line")
    )
    item[CANDIDATE.index("source_url")] = web_link(row.get("source_url"))
    return item


def _bool(text: str | None) -> bool:
    return text == "true"


def _converter(name: str) -> Any:
    if name in BOOLS:
        return _bool
    if name in INTS:
        return whole_cell
    return number_cell if name == "value" else _text


_CONVERTERS: dict[tuple[str, ...], list[tuple[str, Any]]] = {}


def _typed(row: dict[str, str], columns: tuple[str, ...]) -> list[Any]:
    plan = _CONVERTERS.get(columns)
    if plan is None:
        plan = _CONVERTERS[columns] = [(name, _converter(name)) for name in columns]
    get = row.get
    return [convert(get(name)) for name, convert in plan]


def _text(text: Any) -> str:
    value = "" if text is None else str(text)
    return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1] + "…"


@functools.lru_cache(maxsize=4096)
def repo_link(url: str | None) -> str:
    """The web page of a model repo on huggingface.co or github.com ('' for any other host)."""
    match = _REPO.fullmatch(url or "")
    if not match:
        return ""
    host = match.group(1) or match.group(2)
    return f"https://{host}/{match.group(3)}/{match.group(4)}"


def file_link(url: str | None, commit: str | None, path: str | None, line: str | None) -> str:
    """The line of a results file at a commit, on the repo's host ('' when the host is unknown)."""
    base = repo_link(url)
    if not base or not _SHA.fullmatch(commit or "") or not path:
        return ""
    anchor = f"#L{line}" if whole_cell(line) is not None else ""
    return f"{base}/blob/{commit}/{quote(path, safe='/')}{anchor}"


def web_link(url: str | None) -> str:
    """A source URL as a link only when it is plain http(s) ('' otherwise: shown as text)."""
    return url if url and _WEB.fullmatch(url) else ""


def _json(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _head(title: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<link rel="stylesheet" href="assets/site.css">\n'
    )


def _page(bench: str, data: dict[str, Any]) -> str:
    title = f"{bench} leaderboard"
    return (
        _head(title) + '<script src="assets/site.js" defer></script>\n</head>\n<body>\n'
        '<a class="skip" href="#boards">Skip to the tables</a>\n'
        '<header>\n<p class="crumb"><a href="index.html">All benchmarks</a></p>\n'
        f"<h1>{html.escape(title)}</h1>\n"
        '<p class="lede">Best reported score per model, task and setup, rebuilt from the model repos by '
        "evalledger. Open a model to see every value it reported, conflicts, audit flags and where each "
        "value comes from.</p>\n</header>\n"
        '<main>\n<form id="controls" class="controls" role="search">\n'
        '<label>Search models <input id="search" type="search" autocomplete="off" '
        'placeholder="model name"></label>\n'
        '<label>Show <select id="status">'
        '<option value="all">all rows</option><option value="verified">verified</option>'
        '<option value="unverified">unverified</option><option value="community">community (open PRs)</option>'
        '<option value="merged">merged only</option><option value="stale">stale</option>'
        '<option value="flagged">flagged</option><option value="conflict">conflicts</option>'
        "</select></label>\n"
        '<label>Setup <select id="setup"><option value="*">all setups</option></select></label>\n'
        '<p id="count" class="count" role="status" aria-live="polite"></p>\n</form>\n'
        "<noscript><p>This page draws its tables with JavaScript; the same data is in the "
        "benchmark repo's leaderboard tables (CSV).</p></noscript>\n"
        '<div id="boards"></div>\n</main>\n'
        f'<script type="application/json" id="data">{_json(data)}</script>\n'
        "</body>\n</html>\n"
    )


def _index(pages: list[tuple[str, str, int, list[str]]]) -> str:
    items = []
    for bench, slug, rows, tasks in pages:
        shown = ", ".join(html.escape(_text(t)) for t in tasks[:12]) + (" …" if len(tasks) > 12 else "")
        items.append(
            f'<li><a href="{html.escape(quote(slug))}.html">{html.escape(_text(bench))}</a> '
            f'<span class="meta">{rows} rows; tasks: {shown}</span></li>'
        )
    body = "\n".join(items) if items else "<li>No leaderboard rows yet.</li>"
    return (
        _head("Leaderboards") + "</head>\n<body>\n<header>\n<h1>Leaderboards</h1>\n"
        '<p class="lede">Rebuilt from the model repos\' <code>.eval_results</code> by evalledger.</p>\n'
        f'</header>\n<main>\n<ul class="benchmarks">\n{body}\n</ul>\n</main>\n</body>\n</html>\n'
    )
