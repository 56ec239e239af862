"""The one escaping module: terminal, Markdown/HTML, GitHub workflow commands, CSV.

Markdown is checked by rendering it with a CommonMark+GFM-tables renderer (markdown-it-py), not by
comparing strings: what matters is what a reader sees."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from evalledger import escape

HOSTILE = [
    "\x1b[31mred\x1b[0m",  # ANSI colour
    "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",  # OSC 8 hyperlink
    "\x1b]0;title\x07",  # OSC window title
    "a\x9b31mb",  # C1 CSI
    "user\u202etxt.exe",  # bidi override (Trojan Source)
    "x\u2066y\u2069z\u200f",
    "line\nforged.yaml:1:1: error fake-rule pwned",
    "cr\roverwrite",
    "bell\x07del\x7f",
    "bytes \udcff\udcfe",  # surrogateescape'd non-UTF-8
]
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# -- terminal -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_text_has_no_control_characters(text):
    shown = escape.terminal(text)
    assert not CONTROL.search(shown)
    shown.encode("utf-8")  # lone surrogates would raise on a UTF-8 stdout


def test_terminal_escapes_are_visible_and_readable():
    assert escape.terminal("\x1b[31mred") == "\\x1b[31mred"
    assert escape.terminal("a\u202eb") == "a\\u202eb"
    assert escape.terminal("a\nb\tc") == "a\\nb\\tc"
    assert escape.terminal("\udcff") == "\\xff"
    assert escape.terminal("plain ünïcödé 模型 ok") == "plain ünïcödé 模型 ok"
    assert escape.terminal("two\nlines\x1b", newlines=True) == "two\nlines\\x1b"


@given(st.text())
def test_terminal_never_lets_a_control_character_through(text):
    assert not CONTROL.search(escape.terminal(text))
    assert "\n" not in escape.terminal(text)


# -- Markdown -------------------------------------------------------------------------------------

RENDER = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def _inline_tokens(markdown_text: str) -> list:
    tokens = []
    for token in RENDER.parse(markdown_text):
        tokens.append(token)
        tokens.extend(token.children or [])
    return tokens


MARKUP = [
    "<img src=x onerror=alert(1)> <!-- evalledger:leaderboard:end -->",
    "<script>alert(1)</script>",
    "[click](https://evil.example) ![img](https://evil.example/x.png)",
    "`code` *bold* _it_ ~~gone~~ $x^2$",
    "a | b | c",
    "@maintainer please merge",
    "title ###",
    "x\n\n# not a heading\n- not a list",
    "&lt;entity&gt; &amp;",
    "\x1b[31m\u202eevil",
]


@pytest.mark.parametrize("text", MARKUP)
def test_markdown_renders_as_the_same_plain_text_in_a_table_cell(text):
    cell = escape.markdown(text)
    assert "\n" not in cell and "<" not in cell
    table = f"| a | b |\n|---|---|\n| {cell} | end |\n"
    tokens = _inline_tokens(table)
    kinds = {t.type for t in tokens}
    assert kinds <= {
        "table_open",
        "thead_open",
        "tr_open",
        "th_open",
        "inline",
        "text",
        "th_close",
        "tr_close",
        "thead_close",
        "tbody_open",
        "td_open",
        "td_close",
        "tbody_close",
        "table_close",
        "softbreak",
    }, kinds
    cells = [t.content for t in tokens if t.type == "inline"]
    assert cells[-1] == "end"  # no pipe in the data split the row
    shown = "".join(t.content for t in _inline_tokens(cell) if t.type == "text")
    expected = escape.terminal(" ".join(text.split())).replace("@", "@\u200b")
    assert shown == expected


def test_markdown_in_a_heading_keeps_the_whole_title():
    title = f"### task ({escape.markdown('setup ###')})"
    heading = next(t for t in _inline_tokens(title) if t.type == "inline")
    assert heading.content.endswith("\\#\\#\\#)")
    assert "".join(t.content for t in heading.children) == "task (setup ###)"


def test_markdown_limit_bounds_the_length():
    long = "n" * 10_000
    assert escape.markdown(long, limit=80) == "n" * 79 + "…"
    assert escape.markdown("short", limit=80) == "short"


# -- GitHub workflow commands ---------------------------------------------------------------------


def _runner_parse(line: str) -> tuple[str, dict[str, str], str] | None:
    """The runner's ActionCommand.TryParseV2 and legacy TryParse (``##[`` anywhere in a line)."""
    stripped = line.lstrip()
    if stripped.startswith("::"):
        end = stripped.find("::", 2)
        if end < 0:
            return None
        info, data = stripped[2:end], stripped[end + 2 :]
        name, _, props = info.partition(" ")
        properties = {}
        for pair in filter(None, props.strip().split(",")):
            key, _, value = pair.partition("=")
            properties[key] = _unescape(value, prop=True)
        return name, properties, _unescape(data)
    at = line.find("##[")
    if at >= 0:
        close = line.find("]", at)
        if close > at:
            name = line[at + 3 : close].split(" ", 1)[0]
            return name, {}, line[close + 1 :]
    return None


def _unescape(text: str, prop: bool = False) -> str:
    text = text.replace("%0D", "\r").replace("%0A", "\n")
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%25", "%")


REGISTERED = {
    "error",
    "warning",
    "notice",
    "debug",
    "group",
    "endgroup",
    "add-mask",
    "set-output",
    "stop-commands",
    "save-state",
    "set-env",
    "add-path",
    "echo",
    "add-matcher",
    "remove-matcher",
}
INJECTIONS = [
    "model\n::error::pwned",
    "x\r\n::add-mask::secret",
    "a::warning::b",
    "%0A::error::decoded",
    "::stop-commands::token",
    "title,file=/etc/passwd:line=1",
    "tail ##[error]legacy anywhere",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_a_workflow_command_carries_data_exactly_and_nothing_more(text):
    line = escape.workflow_command("warning", text, title=text, file=text, line=3)
    assert "\n" not in line and "\r" not in line
    parsed = _runner_parse(line)
    assert parsed is not None
    name, props, data = parsed
    assert name == "warning"
    assert set(props) == {"title", "file", "line"}
    assert props["title"] == text and props["file"] == text and props["line"] == "3"
    assert data == text


@pytest.mark.parametrize("text", INJECTIONS + ["  ::error::indented", "::endgroup::"])
def test_a_log_line_is_never_a_command(text):
    line = escape.log_line(text)
    assert "\n" not in line and "\r" not in line
    parsed = _runner_parse(line)
    assert parsed is None or parsed[0] not in REGISTERED, (line, parsed)


def test_an_output_block_holds_any_value_as_one_output():
    value = "a\nb<<EOF\nEOF\nother=1"
    block = escape.output_block("rows", value)
    first, _, rest = block.partition("\n")
    name, _, delimiter = first.partition("<<")
    assert name == "rows" and delimiter.startswith("ghadelimiter_")
    assert rest == f"{value}\n{delimiter}\n"
    with pytest.raises(ValueError):
        escape.output_block("bad\nname", 1)


# -- CSV ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("https://evil.example")', "+1+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "'already quoted", "'=x"]
)
def test_a_csv_text_cell_never_starts_a_formula_and_reads_back_exactly(text):
    cell = escape.csv_cell(text)
    assert cell[0] not in "=+-@\t\r"
    assert escape.csv_text(cell) == text


@pytest.mark.parametrize("number", ["-1", "+0.5", "-2e-3", "-.5", "42"])
def test_a_number_in_a_text_cell_stays_a_number(number):
    assert escape.csv_cell(number) == number
    assert escape.csv_text(number) == number


@given(st.text())
@settings(max_examples=300)
def test_csv_escape_is_reversible(text):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerow([escape.csv_cell(text)])
    read = next(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert escape.csv_text(read[0] if read else "") == text
