"""`aggregate --charts`: per board a top-N and a state-of-the-art SVG chart (matplotlib, the
`charts` extra), committed next to the tables, embedded in the card, byte-for-byte deterministic;
and `aggregate --site DIR`."""

from __future__ import annotations

import re
import sys
from xml.etree import ElementTree

from markdown_it import MarkdownIt

from evalledger.leaderboard import charts
from site_scenario import HOSTILE
from site_scenario import build as build_scenario
from test_aggregate_support import aggregate

ARGS = ("--include-pull-requests", "--audit", "--commit")


def _charts(bench):
    folder = bench / "leaderboard" / "charts"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.svg"))} if folder.is_dir() else {}


def test_charts_are_committed_embedded_and_the_same_bytes_on_every_run(tmp_path, capsys):
    world, bench = build_scenario(tmp_path, capsys, "--charts")
    drawn = _charts(bench)
    # two per board: alpha, alpha (hostile setup), alpha (no-tools), beta
    assert len(drawn) == 8 and {"alpha-top.svg", "alpha-sota.svg", "beta-top.svg", "beta-sota.svg"} <= set(drawn)
    tracked = world.bench.git("ls-files", "leaderboard/charts").split()
    assert sorted(p.rsplit("/", 1)[1] for p in tracked) == sorted(drawn)  # committed with the tables
    for name, data in drawn.items():
        text = data.decode("utf-8")
        assert text.startswith("<?xml") and "<svg" in text
        assert "<dc:date>" not in text and "Matplotlib v" not in text, name  # no time, no version stamp
        # model text stays text: no element or event attribute from data, whatever the labels say
        tree = ElementTree.fromstring(data)
        tags = {node.tag.rsplit("}", 1)[-1] for node in tree.iter()}
        assert tags <= {"svg", "metadata", "defs", "style", "g", "path", "text", "clipPath", "rect", "use"}, tags
        assert not [a for node in tree.iter() for a in node.attrib if a.lower().startswith("on")], name
    top = drawn["alpha-top.svg"].decode()
    for model in ("acme/atlas-70b", "golf/g-1b", "delta/d-1b"):
        assert re.search(rf">[^<]*{re.escape(model)}", top), model  # text, not glyph outlines
    assert "acme/atlas-70b 71.2" in drawn["alpha-sota.svg"].decode()  # the record holder, labelled
    # embedded in the card, under each board's table
    html = MarkdownIt("commonmark").enable("table").render((bench / "README.md").read_text())
    images = re.findall(r'<img src="([^"]+)" alt="([^"]*)"', html)
    assert sorted(src.rsplit("/", 1)[1] for src, _ in images) == sorted(drawn)
    assert all(src.startswith("leaderboard/charts/") for src, _ in images)
    assert any("&lt;img src=x onerror=" in alt for _, alt in images)  # the hostile setup: text in the alt
    assert "<img src=x" not in html
    # the same inputs: the same bytes, nothing written or committed
    code, doc = aggregate(world, *ARGS, "--charts", capsys=capsys)
    assert code == 0 and doc["written"] == [] and not doc["committed"]
    assert _charts(bench) == drawn
    # drawn again from nothing, the same bytes
    for name in drawn:
        (bench / "leaderboard" / "charts" / name).unlink()
    code, doc = aggregate(world, *ARGS, "--charts", capsys=capsys)
    assert code == 0 and len(doc["written"]) == 8
    assert _charts(bench) == drawn
    # without --charts the charts go, with their images in the card
    code, doc = aggregate(world, *ARGS, capsys=capsys)
    assert code == 0 and doc["committed"]
    assert _charts(bench) == {}
    assert "leaderboard/charts/" not in (bench / "README.md").read_text()
    assert world.bench.git("ls-files", "leaderboard/charts") == ""


def test_model_ids_are_drawn_as_plain_text():
    rows = [
        {
            "benchmark": "b",
            "task": "t",
            "setup": "",
            "rank": "1",
            "model": "$\\alpha$ <b>x</b> & \x1b[31m",
            "value": "5.0",
        }
    ]
    cands = [dict(rows[0], eligible="true", commit_time="2026-01-01T00:00:00Z")]
    [(alt, path, top), (_, _, sota)] = charts.render(rows, cands, {}, "lb/charts")[("b", "t", "")]
    assert path == "lb/charts/t-top.svg"
    for data in (top, sota):
        text = data.decode()
        assert "$\\alpha$ &lt;b&gt;x&lt;/b&gt; &amp; \\x1b[31m" in text  # no mathtext, XML-escaped, ESC visible
        assert "<b>" not in text and "\x1b" not in text


def test_charts_without_matplotlib_stop_before_anything_is_done(tmp_path, capsys, monkeypatch):
    world, bench = build_scenario(tmp_path, capsys)
    before = (bench / "README.md").read_bytes()
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the extra were not installed
    code, _ = aggregate(world, *ARGS, "--charts", capsys=capsys)
    assert code == 2
    assert "pip install 'evalledger[charts]'" in world.stderr and "Traceback" not in world.stderr
    assert (bench / "README.md").read_bytes() == before
    code, _ = aggregate(world, *ARGS, capsys=capsys)  # without --charts: works as before
    assert code == 0


def test_aggregate_writes_the_site_in_the_same_run(tmp_path, capsys):
    world, bench = build_scenario(tmp_path, capsys)
    out = tmp_path / "public"
    code, doc = aggregate(world, *ARGS, "--site", str(out), capsys=capsys)
    assert code == 0
    page = (out / "acme--bench.html").read_text()
    assert "acme/atlas-70b" in page and "\\u003cimg" in page and HOSTILE not in page
    assert not doc["committed"] and "public" not in " ".join(doc["files"])  # the site is not committed
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    code, _ = aggregate(world, *ARGS, "--site", str(foreign), capsys=capsys)
    assert code == 2 and "did not write" in world.stderr
