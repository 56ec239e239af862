"""`evalledger site` without a browser: what the generator writes (bytes, escaping, links, the
output folder guard) and the state-of-the-art series. The browser tests are in test_site_browser.py."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from evalledger.leaderboard import site as site_mod
from evalledger.leaderboard import trends
from evalledger.leaderboard.write import CANDIDATE_COLUMNS, LEADERBOARD_COLUMNS, csv_bytes
from site_scenario import HOSTILE, site
from site_scenario import build as build_scenario


def _page(out: Path) -> str:
    [page] = [p for p in out.glob("*.html") if p.name != "index.html"]
    return page.read_text(encoding="utf-8")


def _data(text: str) -> dict:
    block = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    assert block
    return json.loads(block.group(1))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture
def built(tmp_path, capsys):
    _, bench = build_scenario(tmp_path, capsys)
    return bench


def test_site_is_self_contained_escaped_and_deterministic(built, tmp_path, capsys):
    out = tmp_path / "site"
    assert site(built, out) == 0
    assert "1 benchmark page(s)" in capsys.readouterr().out
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == [".evalledger-site", "acme--bench.html", "assets/site.css", "assets/site.js", "index.html"]
    text = _page(out)
    parser = _Tags()
    parser.feed(text)
    tags = parser.tags
    # scripts: the package's file and the data block, nothing inline that runs; no remote anything
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert scripts == [{"src": "assets/site.js", "defer": None}, {"type": "application/json", "id": "data"}]
    assert [attrs["href"] for tag, attrs in tags if tag == "link"] == ["assets/site.css"]
    assert not [t for t, _ in tags if t in ("img", "iframe", "object", "embed")]
    csp = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe" not in csp
    assert "http://" not in text.split('id="data">')[0] and "https://" not in text.split('id="data">')[0]
    # the hostile setup is in the data, as escaped JSON, and comes back as the same text
    assert "<img" not in text and "\\u003cimg src=x onerror=" in text
    data = _data(text)
    assert HOSTILE in {board["setup"] for board in data["boards"]}
    # same tables, same bytes; a second run writes nothing
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    again = tmp_path / "again"
    assert site(built, again) == 0
    assert {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()} == {
        p.relative_to(out): b for p, b in first.items()
    }
    assert site(built, out) == 0
    assert "no file(s) changed" in capsys.readouterr().out


def test_rows_candidates_and_flags_reach_the_page_as_in_the_tables(built, tmp_path):
    out = tmp_path / "site"
    assert site(built, out) == 0
    data = _data(_page(out))
    cols = data["columns"]
    table = list(csv.DictReader(io.StringIO((built / "leaderboard" / "leaderboard.csv").read_text())))
    shown = []
    for board in data["boards"]:
        for row, cands, flags in board["rows"]:
            item = dict(zip(cols["row"], row, strict=True))
            shown.append((board["task"], board["setup"], item["rank"], item["model"], item["value"]))
            if item["model"] == "acme/atlas-70b" and board["task"] == "alpha" and board["setup"] == "":
                assert sorted(dict(zip(cols["candidate"], c, strict=True))["value"] for c in cands) == [69.0, 71.2]
                assert sorted(dict(zip(cols["flag"], f, strict=True))["rule"] for f in flags) == [
                    "value-changed-without-evidence",
                    "value-raised",
                    "verify-token-stale",
                ]
                assert item["conflict"] and item["verified"] and item["flags"]
    assert shown == [(r["task"], r["setup"], int(r["rank"]), r["model"], float(r["value"])) for r in table]


def test_links_only_for_known_hosts_and_plain_http():
    sha = "b88bd07b7a39e133d780d08c08e82bd03b28241a"
    assert (
        site_mod.repo_link("https://huggingface.co/MiniMaxAI/MiniMax-M2.5")
        == "https://huggingface.co/MiniMaxAI/MiniMax-M2.5"
    )
    assert (
        site_mod.file_link("https://huggingface.co/org/m", sha, ".eval_results/a b.yaml", "12")
        == f"https://huggingface.co/org/m/blob/{sha}/.eval_results/a%20b.yaml#L12"
    )
    assert (
        site_mod.file_link("git@github.com:org/model.git", sha, ".eval_results/r.yaml", "3")
        == f"https://github.com/org/model/blob/{sha}/.eval_results/r.yaml#L3"
    )
    assert (
        site_mod.file_link("https://github.com/org/model.git", sha, "r.yaml", "")
        == f"https://github.com/org/model/blob/{sha}/r.yaml"
    )
    for url in (
        "file:///tmp/x.git",
        "https://example.com/org/m",
        "https://huggingface.co/org/m/../../x",
        "https://huggingface.co.evil.example/org/m",
        "submissions/org/m",
        "",
    ):
        assert site_mod.file_link(url, sha, "r.yaml", "1") == "", url
    assert site_mod.file_link("https://huggingface.co/org/m", "HEAD", "r.yaml", "1") == ""
    assert site_mod.web_link("https://example.com/run?a=1") == "https://example.com/run?a=1"
    for url in ("javascript:alert(1)", "data:text/html,<b>", 'https://x/"onmouseover=', " https://x", None):
        assert site_mod.web_link(url) == "", url


def _tables(tmp: Path, leaderboard: list[dict], candidates: list[dict]) -> Path:
    folder = tmp / "bench" / "leaderboard"
    folder.mkdir(parents=True)
    full = lambda row, columns: {c: row.get(c) for c in columns}  # noqa: E731
    (folder / "leaderboard.csv").write_bytes(
        csv_bytes([full(r, LEADERBOARD_COLUMNS) for r in leaderboard], LEADERBOARD_COLUMNS)
    )
    (folder / "candidates.csv").write_bytes(
        csv_bytes([full(r, CANDIDATE_COLUMNS) for r in candidates], CANDIDATE_COLUMNS)
    )
    return folder.parent


def test_hostile_links_in_the_tables_stay_text(tmp_path):
    row = {
        "benchmark": "b/x",
        "task": "t",
        "setup": "",
        "rank": 1,
        "model": "m",
        "value": 1.0,
        "source_url": "javascript:alert(document.domain)",
        "model_repo": "javascript:alert(1)//github.com/a/b",
        "commit": "a" * 40,
        "file": "r.yaml",
        "line": 1,
        "eligible": True,
        "selected": True,
    }
    bench = _tables(tmp_path, [row], [row])
    assert site(bench, tmp_path / "out") == 0
    text = _page(tmp_path / "out")
    assert "javascript:" in text  # shown, as text in the data
    data = _data(text)
    item = dict(zip(data["columns"]["row"], data["boards"][0]["rows"][0][0], strict=True))
    assert (item["source_url"], item["link"], item["repo_link"]) == ("", "", "")
    js = (tmp_path / "out" / "assets" / "site.js").read_text()
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "eval(" not in js


def test_output_folder_guard_and_cleanup(built, tmp_path, capsys):
    foreign = tmp_path / "docs"
    foreign.mkdir()
    (foreign / "notes.md").write_text("mine\n")
    assert site(built, foreign) == 2
    assert "did not write" in capsys.readouterr().err
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.md"]
    out = tmp_path / "site"
    assert site(built, out) == 0
    (out / "old--bench.html").write_text("a page of a benchmark that is gone\n")
    assert site(built, out) == 0
    assert not (out / "old--bench.html").exists()
    missing = tmp_path / "empty-bench"
    missing.mkdir()
    assert site(missing, tmp_path / "x") == 2
    err = capsys.readouterr().err
    assert "leaderboard.csv: no such table" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def _cands(*rows):
    return [
        {"model": m, "value": repr(v), "eligible": "true" if ok else "false", "commit_time": when}
        for m, v, ok, when in rows
    ]


def test_state_of_the_art_walks_commit_time_in_the_task_direction():
    rows = _cands(
        ("late", 90.0, True, "2026-03-01T00:00:00Z"),
        ("first", 50.0, True, "2026-01-01T00:00:00Z"),
        ("bad", 99.0, False, "2026-01-15T00:00:00Z"),
        ("tie", 50.0, True, "2026-01-20T00:00:00Z"),
        ("up", 70.0, True, "2026-02-01T00:00:00Z"),
        ("down", 60.0, True, "2026-02-10T00:00:00Z"),
        ("untimed", 95.0, True, ""),
    )
    got = [(r.when[:10], r.value, r.model) for r in trends.state_of_the_art(rows, "higher")]
    assert got == [("2026-01-01", 50.0, "first"), ("2026-02-01", 70.0, "up"), ("2026-03-01", 90.0, "late")]
    got = [(r.value, r.model) for r in trends.state_of_the_art(rows, "lower")]
    assert got == [(50.0, "first")]
    assert trends.state_of_the_art([], "higher") == []
