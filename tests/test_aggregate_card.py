"""The dataset card, the candidates table and the job summary under hostile model repos.

Real aggregate runs over bare model repos (and pull-request refs); the card is checked by rendering
it with markdown-it (HTML on, as the Hub and GitHub render it): what a reader would see."""

from __future__ import annotations

from markdown_it import MarkdownIt

from evalledger import action
from evalledger.leaderboard import write
from test_aggregate_support import BENCH_ID, World, aggregate, entry, read_csv

BEGIN, END = write.BEGIN, write.END
FORGED_NOTES = "<img src=x onerror=alert(1)> <!-- evalledger:leaderboard:end --> @admin [x](https://evil.example)"
HOSTILE_MODEL = "acme/<script>x</script>|**b**[a](https://e.x)<!--evalledger:leaderboard:end-->"  # < 80 chars
RENDER = MarkdownIt("commonmark", {"html": True}).enable("table")


def _card(world: World) -> str:
    return (world.bench.path / "README.md").read_text()


def _section(card: str) -> str:
    lines = card.splitlines()
    assert lines.count(BEGIN) == 1 and lines.count(END) == 1, "exactly one begin and one end line"
    return card.split(BEGIN + "\n", 1)[1].split("\n" + END + "\n", 1)[0]


def _tokens(markdown: str) -> list:
    out = []
    for token in RENDER.parse(markdown):
        out.append(token)
        out.extend(token.children or [])
    return out


def _assert_plain(section: str) -> None:
    """No HTML, link or image in our section: every text from a model repo is text."""
    kinds = {t.type for t in _tokens(section)}
    assert not kinds & {"html_block", "html_inline", "link_open", "image"}, kinds


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_a_pull_request_cannot_forge_the_card_marker_and_a_second_run_commits_nothing(tmp_path, capsys):
    world = World(tmp_path)
    world.model("m", {".eval_results/r.yaml": entry("alpha", 70.0)})
    world.pull_request(
        "m", 1, {".eval_results/r.yaml": entry("alpha", 71.0) + entry("alpha", 99.0, notes=_quoted(FORGED_NOTES))}
    )
    world.registry([f"{world.url('m')} - org/m"])
    code, doc = aggregate(world, "--include-pull-requests", "--commit", capsys=capsys)
    assert code == 0 and doc["committed"], doc
    first = _card(world)
    code, doc = aggregate(world, "--include-pull-requests", "--commit", capsys=capsys)
    assert code == 0 and not doc["changed"] and not doc["committed"], doc
    assert _card(world) == first and len(first.encode()) < 8 * 1024  # it grew on every run before

    section = _section(first)
    _assert_plain(section)
    assert "<img" not in first and "@admin" not in first
    assert "### alpha (" in section  # the hostile setup is shown, as text


def test_a_card_grown_by_an_old_forged_marker_heals_in_one_run(tmp_path, capsys):
    """What an older version wrote: the forged end marker inside a heading, so each run appended."""
    world = World(tmp_path)
    world.model("m", {".eval_results/r.yaml": entry("alpha", 70.0)})
    world.registry([f"{world.url('m')} - org/m"])
    old_section = f"## Leaderboard\n\n### alpha (<img src=x> {END})\n\n| 1 | org/m | 70.0 |\n"
    grown = (
        f"---\nlicense: mit\n---\n# Bench\n\nA benchmark.\n\n{BEGIN}\n{old_section}{END}\n"
        f"stale tail of run 1)\n\n| 1 | org/m | 70.0 |\n{END}\nstale tail of run 2\n{END}\n\nMaintainer footer.\n"
    )
    world.bench.write("README.md", grown)
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0, doc
    card = _card(world)
    _section(card)
    assert "stale tail" not in card and "<img" not in card
    assert card.startswith("---\n") and "# Bench\n\nA benchmark.\n" in card
    assert card.endswith(f"{END}\nMaintainer footer.\n")


def test_twenty_thousand_distinct_notes_keep_the_card_small(tmp_path, capsys):
    """A repo (or PR) can give every entry its own `notes`, so its own board; the card shows the
    default boards and the largest, 10 rows each, and says where the rest is."""
    world = World(tmp_path)
    files = {}
    for part in range(10):
        files[f".eval_results/spam{part}.yaml"] = "".join(
            entry("alpha", 50.0, notes=f"run-{part}-{n:04d} " + "x" * 20) for n in range(2000)
        )
    world.model("spam", files)
    for name in ("a", "b", "c"):
        world.model(name, {".eval_results/r.yaml": entry("alpha", 60.0) + entry("beta", 3.0)})
    world.registry([f"{world.url('spam')} - org/spam"] + [f"{world.url(n)} - org/{n}" for n in "abc"])
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0, doc
    assert doc["rows"] == 20_006
    card = _card(world)
    size = len(card.encode())
    assert size < 32 * 1024, size  # 3.9 MB before
    section = _section(card)
    assert "### alpha\n" in section and "### beta\n" in section  # the real boards are never pushed out
    assert section.count("\n### ") <= write.CARD_BOARDS + 2  # + the two fixed sections
    assert (
        "…and 19982 more (task, setup) boards with 19982 rows: every row is in leaderboard/leaderboard.csv" in section
    )
    assert len({(r["task"], r["setup"]) for r in doc["top"]}) <= write.CARD_BOARDS
    summary = action.aggregate_summary(doc)
    assert len(summary.encode()) < 64 * 1024


def test_a_hostile_model_id_is_text_in_the_card_and_the_summary(tmp_path, capsys):
    world = World(tmp_path)
    world.model("m", {".eval_results/r.yaml": entry("alpha", 70.0)})
    world.model("n", {".eval_results/r.yaml": entry("alpha", 60.0)})
    world.registry([f"{world.url('m')} - {HOSTILE_MODEL}", f"{world.url('n')} - org/n"])
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["committed"], doc
    section = _section(_card(world))
    _assert_plain(section)
    table = [t for t in _tokens(section) if t.type == "tr_open"]
    assert len(table) == 3  # header + two rows: no pipe in the id split a row
    texts = "".join(t.content for t in _tokens(section) if t.type == "text")
    assert HOSTILE_MODEL in texts  # a reader sees the id as it is, nothing more
    summary = action.aggregate_summary(doc)
    _assert_plain(summary)
    assert HOSTILE_MODEL in "".join(t.content for t in _tokens(summary) if t.type == "text")


def test_candidates_selected_means_on_the_board_and_raw_text_stays(tmp_path, capsys):
    world = World(tmp_path)
    world.model(
        "m",
        {
            ".eval_results/r.yaml": entry("alpha", 70.0)
            + entry("beta", '"74%"')
            + entry("alpha", 150.0, notes="bounded")
        },
    )
    world.registry([f"{world.url('m')} - org/m"])
    world.bench.write(
        ".evalledger.yaml",
        "tasks:\n  alpha: {direction: higher, unit: percent, min: 0, max: 100}\n"
        "  beta: {direction: lower, unit: points}\n",
    )
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0, doc
    board = {(r["model"], r["task"], r["setup"]) for r in read_csv(world.bench.path / "leaderboard/leaderboard.csv")}
    candidates = read_csv(world.bench.path / "leaderboard/candidates.csv")
    assert {(r["model"], r["task"], r["setup"]) for r in candidates if r["selected"] == "true"} == board
    assert not [r for r in candidates if r["selected"] == "true" and r["eligible"] == "false"]
    [percent] = [r for r in candidates if r["task"] == "beta"]
    assert (percent["value"], percent["value_raw"], percent["eligible"], percent["selected"]) == (
        "",
        "74%",
        "false",
        "false",
    )
    assert "nan" not in (world.bench.path / "leaderboard/candidates.csv").read_text()
    [bounded] = [r for r in candidates if r["setup"] == "bounded"]
    assert (bounded["value"], bounded["selected"]) == ("150.0", "false")


def test_a_candidate_cell_never_starts_a_spreadsheet_formula(tmp_path, capsys):
    world = World(tmp_path)
    world.model(
        "m",
        {
            ".eval_results/r.yaml": entry("alpha", 70.0, notes=_quoted('=HYPERLINK("https://evil.example")'))
            + entry("beta", '"=1+2"')
        },
    )
    world.registry([f"{world.url('m')} - @org/m"])
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0, doc
    for name in ("leaderboard", "candidates"):
        rows = read_csv(world.bench.path / f"leaderboard/{name}.csv")
        assert rows and all(
            not cell or cell[0] not in "=+-@\t\r" or cell.lstrip("+-").replace(".", "").isdigit()
            for row in rows
            for cell in row.values()
        ), rows
        assert write.read_table(world.bench.path / f"leaderboard/{name}.csv")[0]["model"] == "@org/m"
    candidates = write.read_table(world.bench.path / "leaderboard/candidates.csv")
    assert {r["setup"] for r in candidates} == {'=hyperlink("https://evil.example")', ""}
    assert [r["value_raw"] for r in candidates if r["task"] == "beta"] == ["=1+2"]


def test_flagged_rows_are_marked_in_the_card_and_the_job_summary(tmp_path, capsys):
    world = World(tmp_path)
    world.model("clean", {".eval_results/r.yaml": entry("alpha", 60.0)})
    world.model("raised", {".eval_results/r.yaml": entry("alpha", 61.0)})
    world.model("raised", {".eval_results/r.yaml": entry("alpha", 89.0)}, message="bump")  # no new evidence
    world.registry([f"{world.url('clean')} - org/clean", f"{world.url('raised')} - org/raised"])
    code, doc = aggregate(world, "--audit", capsys=capsys)
    assert code == 0, doc
    board = {r["model"]: r for r in read_csv(world.bench.path / "leaderboard/leaderboard.csv")}
    assert board["org/raised"]["rank"] == "1" and "value-raised" in board["org/raised"]["flags"].split()
    section = _section(_card(world))
    rows = [line for line in section.splitlines() if line.startswith("| 1 |")]
    assert rows == [f"| 1 | org/raised | 89.0 |  |  |  |  | ⚑ {', '.join(board['org/raised']['flags'].split())} |"]
    assert "| 2 | org/clean | 60.0 |  |  |  |  |  |" in section
    assert "| flags |" in section and "leaderboard/flags.csv (config `leaderboard_flags`)" in section
    assert "(`flags`): 1;" in section
    assert [r["flags"] for r in doc["top"]] == [board["org/raised"]["flags"].split(), []]
    summary = action.aggregate_summary(doc)
    assert "| Flags |" in summary and "leaderboard/flags.csv" in summary
    assert f"| 1 | org/raised | 89.0 |  |  |  | ⚑ {', '.join(board['org/raised']['flags'].split())} |" in summary
    assert BENCH_ID in summary


def test_the_card_section_has_a_size_bound_whatever_the_text():
    """The worst text per character (each one expands to a 7-character escape) in every cell of
    more boards and rows than the card shows: the section stays under 160 KiB."""
    from evalledger.leaderboard.select import CandidateTable, select

    worst = "\u202e" * 1000
    table = CandidateTable()
    for board in range(100):
        for row in range(30):
            table.add(
                model=f"{row}{worst}",
                benchmark=BENCH_ID,
                task=f"{board}{worst}",
                setup=f"{board}{worst}",
                value=float(row),
                commit=f"{row:040x}",
                commit_time=1,
                repo="r",
                ref="HEAD",
                file="f",
                line=1,
                entry=0,
            )
    tables = write.build_tables(
        select(table),
        flags=[],
        flagged={
            (f"{row}{worst}", BENCH_ID, f"{board}{worst}", f"{board}{worst}"): [f"rule-{n}" for n in range(5)]
            for board in range(100)
            for row in range(30)
        },
    )
    output = write.render(
        tables, output_dir="leaderboard", fmt="csv", card_path="README.md", card_text=None, summary={}
    )
    section = _section(output.files["README.md"].decode())
    assert 100 * 1024 < len(section.encode()) < 160 * 1024
    assert section.count("\n### ") == write.CARD_BOARDS + 2
