"""The leaderboard site in a real browser: Debian's headless Chromium driven by Playwright, the
generated site loaded from disk (file://), as a reader uses it.

Chromium is a system package (`.ci/run` installs it; `apt-get install chromium`), never a
Playwright download. Screenshots of the main views go to a tmp folder, or to
$EVALLEDGER_SCREENSHOTS when set (scripts/screenshots.sh copies them to docs/img/ for the README).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from site_scenario import HOSTILE, site
from site_scenario import build as build_scenario

pytestmark = pytest.mark.slow  # a real Chromium per module: the quick loop (-m "not slow") leaves it to CI

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed at /usr/bin/chromium: apt-get install -y chromium (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    return sync_playwright


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The scenario's site, built once for the module (git isolated as conftest does per test)."""
    tmp = tmp_path_factory.mktemp("site")
    home = tmp / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        '[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n'
        "[uploadpack]\n\tallowFilter = true\n\tallowAnySHA1InWant = true\n"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        mp.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        for role in ("AUTHOR", "COMMITTER"):
            mp.setenv(f"GIT_{role}_NAME", "Test Author")
            mp.setenv(f"GIT_{role}_EMAIL", "author@example.com")
        mp.delenv("GITHUB_ACTIONS", raising=False)
        _, bench = build_scenario(tmp / "world", None, "--charts")
        out = tmp / "site"
        assert site(bench, out) == 0
    return bench, out


@pytest.fixture(scope="module")
def browser():
    with _chromium()() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    where = os.environ.get("EVALLEDGER_SCREENSHOTS")
    path = Path(where) if where else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Page:
    """A page of the site with every console message and page error recorded."""

    def __init__(self, browser, url: str, width: int = 1200, height: int = 900) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.messages: list[tuple[str, str]] = []
        self.page.on("console", lambda m: self.messages.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.messages.append(("pageerror", str(e))))
        self.page.goto(url)
        self.page.wait_for_selector("html[data-ready=true]", timeout=10_000)

    def errors(self) -> list[tuple[str, str]]:
        return [m for m in self.messages if m[0] in ("error", "pageerror", "warning")]

    def board(self, task: str, setup: str = ""):
        return self.page.locator(f"section.board[data-task={_css(task)}][data-setup={_css(setup)}]")

    def visible_models(self, task: str, setup: str = "") -> list[str]:
        return self.board(task, setup).locator("tr.row:not([hidden]) button.open").all_text_contents()

    def column(self, task: str, css: str, setup: str = "") -> list[str]:
        return self.board(task, setup).locator(f"tr.row:not([hidden]) td.{css}").all_text_contents()

    def close(self) -> None:
        self.page.close()


def _css(text: str) -> str:
    """A CSS string literal (the setup of a board may hold quotes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _url(out: Path) -> str:
    return (out / "acme--bench.html").as_uri()


def _table(bench: Path, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((bench / "leaderboard" / f"{name}.csv").read_text())))


def test_ranks_ties_and_sorting_by_any_column(built, browser, shots):
    bench, out = built
    view = Page(browser, _url(out))
    rows = _table(bench, "leaderboard")
    alpha = [r for r in rows if r["task"] == "alpha" and r["setup"] == ""]
    assert view.visible_models("alpha") == [r["model"] for r in alpha]
    assert view.column("alpha", "rank") == [r["rank"] for r in alpha]
    beta = [r for r in rows if r["task"] == "beta"]
    assert view.column("beta", "rank") == [r["rank"] for r in beta] == ["1", "2", "2", "4"]  # a tie
    view.page.screenshot(path=str(shots / "site.png"), full_page=False)
    board = view.board("alpha")
    header = board.locator("button.sort[data-key=value]")
    header.click()
    values = [float(v) for v in view.column("alpha", "value")]
    assert values == sorted(values) and len(values) == len(alpha)
    assert board.locator("th:has(button[data-key=value])").get_attribute("aria-sort") == "ascending"
    assert board.locator("th:has(button[data-key=rank])").get_attribute("aria-sort") == "none"
    header.click()
    assert [float(v) for v in view.column("alpha", "value")] == sorted(values, reverse=True)
    board.locator("button.sort[data-key=model]").click()
    assert view.visible_models("alpha") == sorted(r["model"] for r in alpha)
    board.locator("button.sort[data-key=rank]").click()
    assert view.visible_models("alpha") == [r["model"] for r in alpha]
    # the keyboard sorts too: a header is a button
    board.locator("button.sort[data-key=commit_time]").focus()
    view.page.keyboard.press("Enter")
    times = [t.replace(" ", "T") for t in view.column("alpha", "nowrap.extra:nth-child(6)")]
    assert times == sorted(r["commit_time"] for r in alpha)
    assert view.errors() == []
    view.close()


def test_filters_by_status_and_setup_and_search(built, browser):
    bench, out = built
    view = Page(browser, _url(out))
    rows = _table(bench, "leaderboard")
    page = view.page

    def shown() -> set[tuple[str, str, str]]:
        found = set()
        for section in page.locator("section.board:not([hidden])").all():
            task, setup = section.get_attribute("data-task"), section.get_attribute("data-setup")
            for model in section.locator("tr.row:not([hidden]) button.open").all_text_contents():
                found.add((task, setup, model))
        return found

    def expected(test) -> set[tuple[str, str, str]]:
        return {(r["task"], r["setup"], r["model"]) for r in rows if test(r)}

    everything = expected(lambda r: True)
    assert shown() == everything and len(everything) == len(rows)
    assert page.locator("#count").text_content() == f"Showing {len(rows)} of {len(rows)} rows"
    cases = {
        "verified": lambda r: r["verified"] == "true",
        "unverified": lambda r: r["verified"] == "false",
        "community": lambda r: r["community"] == "true",
        "merged": lambda r: r["community"] == "false",
        "stale": lambda r: r["stale"] == "true",
        "flagged": lambda r: r["flags"] != "",
        "conflict": lambda r: r["conflict"] == "true",
    }
    for status, test in cases.items():
        page.select_option("#status", status)
        want = expected(test)
        assert want, status  # the scenario has rows of every kind
        assert shown() == want, status
        assert page.locator("#count").text_content() == f"Showing {len(want)} of {len(rows)} rows"
    page.select_option("#status", "all")
    page.select_option("#setup", "no-tools")
    assert shown() == expected(lambda r: r["setup"] == "no-tools")
    assert page.locator("section.board:not([hidden])").count() == 1
    page.select_option("#setup", "*")
    page.fill("#search", "BORE")
    assert shown() == expected(lambda r: "bore" in r["model"].lower())
    page.fill("#search", "")
    assert shown() == everything
    assert view.errors() == []
    view.close()


def test_opening_a_row_shows_candidates_conflict_flags_and_provenance(built, browser, shots):
    bench, out = built
    view = Page(browser, _url(out))
    page = view.page
    rows = {(r["task"], r["setup"], r["model"]): r for r in _table(bench, "leaderboard")}
    atlas = rows[("alpha", "", "acme/atlas-70b")]
    board = view.board("alpha")
    # keyboard: focus the first model, move down and back with the arrows, open with Enter
    first = board.locator("button.open").first
    first.focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == view.visible_models("alpha")[1]
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.textContent") == "acme/atlas-70b"
    page.keyboard.press("Enter")
    assert first.get_attribute("aria-expanded") == "true"
    detail = page.locator("#" + first.get_attribute("aria-controls"))
    assert detail.is_visible()
    text = detail.inner_text()
    for field in ("model_repo", "ref", "commit", "selection_reason"):
        assert atlas[field] in text, field
    assert f"{atlas['file']}:{atlas['line']}" in text
    cands = [
        c for c in _table(bench, "candidates") if (c["task"], c["setup"], c["model"]) == ("alpha", "", "acme/atlas-70b")
    ]
    shown = detail.locator("table.cand-table tbody tr")
    assert shown.count() == len(cands) == 2
    assert sorted(float(v) for v in detail.locator("table.cand-table tbody td.num").all_text_contents()) == sorted(
        float(c["value"]) for c in cands
    )
    assert "lost:verified" in text  # why the mirror's value lost
    assert "Conflict" in text and "71.2" in text and "69" in text
    for rule in atlas["flags"].split():
        assert detail.locator("code.rule", has_text=rule).count() == 1, rule
    view.page.screenshot(path=str(shots / "site-row.png"), full_page=False)
    page.keyboard.press("Enter")
    assert first.get_attribute("aria-expanded") == "false" and not detail.is_visible()
    # a stale row opened with the mouse
    delta = board.locator("button.open", has_text="delta/d-1b")
    delta.click()
    assert "stale" in board.locator("tr.row", has=page.locator("button.open", has_text="delta/d-1b")).inner_text()
    opened = page.locator("#" + delta.get_attribute("aria-controls"))
    assert opened.is_visible() and "Candidates (1)" in opened.inner_text()
    assert view.errors() == []
    view.close()


def test_state_of_the_art_chart_points_match_the_candidates(built, browser):
    bench, out = built
    view = Page(browser, _url(out))
    cands = _table(bench, "candidates")
    directions = {"alpha": "higher", "beta": "lower"}  # the scenario's .evalledger.yaml
    boards = {(c["task"], c["setup"]) for c in cands}
    checked = 0
    for task, setup in sorted(boards):
        # the series, worked out here from the table: eligible, by commit time, each new best
        timed = sorted(
            (c["commit_time"], i, float(c["value"]), c["model"])
            for i, c in enumerate(cands)
            if (c["task"], c["setup"]) == (task, setup) and c["eligible"] == "true"
        )
        want, best = [], None
        for when, _, value, model in timed:
            if best is None or (value > best if directions[task] == "higher" else value < best):
                want.append((when, value, model))
                best = value
        points = view.board(task, setup).locator("figure.sota circle.point")
        got = [
            (p.get_attribute("data-when"), float(p.get_attribute("data-value")), p.get_attribute("data-model"))
            for p in points.all()
        ]
        assert got == want, (task, setup)
        # drawn left to right in time, and higher values higher on the chart (smaller y)
        xs = [float(p.get_attribute("cx")) for p in points.all()]
        ys = [float(p.get_attribute("cy")) for p in points.all()]
        assert xs == sorted(xs)
        if len(want) > 1:
            assert ys == (sorted(ys, reverse=True) if directions[task] == "higher" else sorted(ys))
        checked += len(want)
    assert checked >= 6
    top = view.board("alpha").locator("figure.top g.bar")
    rows = [r for r in _table(bench, "leaderboard") if (r["task"], r["setup"]) == ("alpha", "")]
    assert [(g.get_attribute("data-model"), float(g.get_attribute("data-value"))) for g in top.all()] == [
        (r["model"], float(r["value"])) for r in rows[:10]
    ]
    assert view.errors() == []
    view.close()


def test_a_hostile_notes_string_is_text_and_runs_nothing(built, browser):
    _, out = built
    view = Page(browser, _url(out))
    page = view.page
    section = view.board("alpha", HOSTILE)
    assert section.count() == 1
    assert HOSTILE in section.locator("h2").text_content()
    assert page.locator("img").count() == 0
    page.select_option("#setup", HOSTILE)  # the setup menu holds it as text too
    assert section.is_visible()
    section.locator("button.open").first.click()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0
    assert view.errors() == []
    view.close()


def test_index_and_the_phone_view(built, browser, shots):
    _, out = built
    index = browser.new_page()
    errors: list[str] = []
    index.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    index.goto((out / "index.html").as_uri())
    index.click("text=acme/bench")
    index.wait_for_selector("html[data-ready=true]")
    assert index.url.endswith("acme--bench.html")
    index.close()
    phone = Page(browser, _url(out), width=390, height=844)
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    phone.board("alpha").locator("button.open").first.click()
    phone.page.evaluate("window.scrollTo(0, 420)")
    phone.page.screenshot(path=str(shots / "site-phone.png"), full_page=False)
    assert phone.errors() == [] and errors == []
    phone.close()


CARD_STYLE = (
    "body{font:15px/1.5 'DejaVu Sans',sans-serif;max-width:860px;margin:16px auto;padding:0 16px}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
    "img{max-width:49%;vertical-align:top}"
)


def test_the_card_shows_its_charts(built, browser, shots):
    """The card as a reader sees it (Markdown rendered, images loaded from the committed SVGs)."""
    from markdown_it import MarkdownIt

    bench, _ = built
    text = (bench / "README.md").read_text()
    body = MarkdownIt("commonmark").enable("table").render(text.split("---\n", 2)[2])
    page_path = bench / "card.html"  # beside README.md, so the images' relative paths resolve
    page_path.write_text(f"<!doctype html><meta charset=utf-8><style>{CARD_STYLE}</style>{body}")
    page = browser.new_page(viewport={"width": 900, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(page_path.as_uri())
    page.wait_for_load_state("load")
    sizes = page.evaluate("Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth])")
    assert len(sizes) == 8 and all(width > 100 for _, width in sizes), sizes
    assert page.locator("h3", has_text=HOSTILE).count() == 1  # the hostile setup, as text in a heading
    page.locator("h3", has_text="alpha").first.scroll_into_view_if_needed()
    page.evaluate("document.querySelector('h3').scrollIntoView()")
    page.screenshot(path=str(shots / "card.png"), full_page=False)
    assert errors == []
    page.close()
