"""The one place where text from a model repo is made safe for where it is shown.

Everything a model repo or a pull request controls (model ids, notes/setups, file names, source
names, messages that quote them, git's error text) is hostile. Each output has one function here,
and nothing else in evalledger escapes text by hand:

* **terminal** (``terminal``): no control character from data reaches a terminal or a log. C0
  (including ESC, so no ANSI/OSC sequence), DEL, C1, the Unicode line separators and the bidi
  controls that reorder what a reader sees ("Trojan Source") are shown as visible escapes
  (``\\x1b``, ``\\u202e``), and undecodable bytes (``surrogateescape``) as ``\\xNN``. Newlines are
  shown as ``\\n`` unless the caller keeps them for a multi-line message of its own.
* **Markdown/HTML** (``markdown``): one line of inline text for a table cell, heading or
  ``<summary>`` in the dataset card, the job summary or a PR comment. HTML is entity-escaped
  (``<`` can never open a tag or a ``<!--`` comment, so data cannot forge the card's markers),
  Markdown punctuation is backslash-escaped (no links, images, emphasis, code spans or broken
  tables), ``@`` gets a zero-width space so it mentions no one, whitespace collapses to one
  space, control characters are made visible as for the terminal, and ``limit`` bounds the length.
* **GitHub workflow commands** (``command_data``, ``command_property``, ``workflow_command``,
  ``log_line``, ``output_block``): the runner's own escapes (``%25 %0D %0A``, plus ``%3A %2C`` in
  properties), so no ``::`` or newline in data starts another command; a plain log line never
  starts with ``::`` and never contains the legacy ``##[`` prefix, which the runner honours
  anywhere in a line; outputs go to ``$GITHUB_OUTPUT`` in the heredoc form with a random
  delimiter (the legacy ``::set-output`` command is never used).
* **CSV** (``csv_cell``/``csv_text``): formula injection. A text cell starting with ``=``, ``+``,
  ``-``, ``@``, tab or CR is read as a formula by spreadsheets (CWE-1236); such a cell is written
  with a leading ``'`` (OWASP's advice), and so is a cell that already starts with ``'``, which
  makes the escape reversible: ``csv_text`` gives back the original text exactly, so tables read
  back (stale rows) are the rows written. A cell that is a plain number (``-1``, ``+0.5``,
  ``-2e-3``) is a number, not a formula, and is never touched; numeric columns are not text and
  never pass through here. Parquet columns are typed and not escaped. A table read back gives its
  numbers through ``number_cell`` (a value) and ``whole_cell`` (a rank, line or count): a plain
  decimal or plain digits, finite, else no value, so a hand-edited ``inf``, ``nan`` or ``1_0`` is
  never a number.
* **file names** (``file_stem``, ``unique_stem``): a task, setup or benchmark id as the stem of a
  file the card or the site writes (a chart, a page): only ``A-Za-z0-9_.-``, no leading or trailing
  ``.``/``-`` (so no hidden file and no ``..``), bounded, and unique within a run.

Tiny and free of imports beyond ``re`` and ``math`` (built in): the lint hook imports it.
"""

from __future__ import annotations

import math
import re
from typing import Any

# --- terminal ------------------------------------------------------------------------------------

# C0 and DEL, C1, line/paragraph separators, bidi controls (marks, embeddings, overrides,
# isolates), and lone surrogates (bytes that were not UTF-8, kept by ``surrogateescape``)
_SHOWN = "\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_CONTROL = re.compile(f"[\x00-\x1f{_SHOWN}]")
_CONTROL_BUT_CRLF = re.compile(f"[\x00-\x09\x0b\x0c\x0e-\x1f{_SHOWN}]")  # \r\n: the runner's own %0D %0A
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal(text: Any, *, newlines: bool = False) -> str:
    """``text`` with every control character shown as a visible escape (see the module doc).

    ``newlines=True`` keeps ``\\n`` (for a multi-line message whose lines the caller wrote);
    every other control character, ``\\r`` included, is still escaped."""
    value = "" if text is None else str(text)
    if newlines:
        return "\n".join(_CONTROL.sub(_visible, line) for line in value.split("\n"))
    return _CONTROL.sub(_visible, value)


def shorten(text: str, limit: int | None) -> str:
    """``text`` cut to at most ``limit`` characters, ending with ``…`` when cut."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


# --- Markdown / HTML -----------------------------------------------------------------------------

# the ASCII punctuation with a meaning inside a line of GFM: code spans, emphasis, links and images
# (``[``), table cells (``|``), strikethrough, math (``$``) and a heading's closing ``#``s; a line
# never starts with data, so line-start markers (``-``, ``+``, ``1.``, ``>``) need nothing.
# ``&<>"`` are entity-escaped first: a backslash does not stop an HTML tag
_MD_PUNCT = re.compile(r"([\\`*_\[\]#|~$])")


def markdown(text: Any, limit: int | None = None) -> str:
    """Inline Markdown (and HTML-safe) text from untrusted ``text``: one line, no markup, no HTML,
    no mentions, at most ``limit`` characters of the original."""
    value = " ".join(("" if text is None else str(text)).split())
    value = terminal(shorten(value, limit))
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    value = _MD_PUNCT.sub(r"\\\1", value)
    return value.replace("@", "@\u200b")


# --- GitHub workflow commands --------------------------------------------------------------------


def command_data(text: Any) -> str:
    """The message of a workflow command (``::error::MESSAGE``)."""
    value = _CONTROL_BUT_CRLF.sub(_visible, "" if text is None else str(text))
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(text: Any) -> str:
    """A property value of a workflow command (``file=…,title=…``)."""
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


_COMMAND_NAME = re.compile(r"^[a-z][a-z-]*$")


def workflow_command(name: str, message: Any = "", **properties: Any) -> str:
    """``::name k=v,...::message`` with every value escaped; empty properties are left out."""
    if not _COMMAND_NAME.match(name):
        raise ValueError(f"bad workflow command {name!r}")
    props = ",".join(f"{key}={command_property(value)}" for key, value in properties.items() if value not in (None, ""))
    return f"::{name}{' ' + props if props else ''}::{command_data(message)}"


def log_line(text: Any) -> str:
    """One line of plain log text that the runner cannot read as a workflow command."""
    value = terminal(text).replace("##[", "##[\\")
    if value.lstrip().startswith("::"):
        value = "\\" + value
    return value


def output_block(name: str, value: Any) -> str:
    """One step output for ``$GITHUB_OUTPUT``: ``name<<DELIM\\nvalue\\nDELIM\\n`` with a random
    delimiter that cannot occur in the value, as the Actions toolkit writes it."""
    import secrets  # only the Action writes outputs

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
        raise ValueError(f"bad output name {name!r}")
    text = "" if value is None else str(value)
    delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    while delimiter in text:  # pragma: no cover - 128 random bits
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    return f"{name}<<{delimiter}\n{text}\n{delimiter}\n"


# --- CSV -----------------------------------------------------------------------------------------

FORMULA_START = frozenset("=+-@\t\r'")  # a cell starting so is escaped (a quick test for callers)
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def is_plain_number(text: str) -> bool:
    """``text`` is a decimal number as a table writes one (``-0.5``, ``1e-05``), nothing around
    it. Stricter than ``float``, which also takes ``inf``, ``nan``, ``1_0`` and non-ASCII digits."""
    return _PLAIN_NUMBER.fullmatch(text) is not None


_WHOLE_NUMBER = re.compile(r"[0-9]+")


def number_cell(text: Any) -> float | None:
    """The number in a table's value cell (CSV, or a Parquet cell as ``write.cell`` shows it), else
    None (no value): a plain decimal (``is_plain_number``; spaces around it allowed, as ``float``
    allows them) whose float is finite. ``inf``, ``nan``, ``1e999``, ``1_0``, ``١٢``, an empty or
    missing cell are no value. The one reader of a number cell: everything that reads a table back
    (carried rows, the change summary, trends, the site, the audit's published leaderboard) uses it.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not is_plain_number(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None  # a plain decimal is finite unless it overflows


def whole_cell(text: Any) -> int | None:
    """The count in a table's whole-number cell (``rank``, ``line``, ``candidates``), else None:
    ASCII digits only (``int`` also takes ``1_0``, ``+1``, spaces and any Unicode digit, and
    ``str.isdigit`` passes ``²``, which ``int`` then refuses with an exception)."""
    # over 4,000 digits: no count of ours, and int refuses 4,300 and more
    if not isinstance(text, str) or len(text) > 4000 or _WHOLE_NUMBER.fullmatch(text) is None:
        return None
    return int(text)


def csv_cell(text: str) -> str:
    """A text cell no spreadsheet evaluates as a formula; ``csv_text`` reverses it."""
    if text and text[0] in FORMULA_START and not is_plain_number(text):
        return "'" + text
    return text


def csv_text(cell: str) -> str:
    """The text ``csv_cell`` was given."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_START:
        return cell[1:]
    return cell


# --- file names ----------------------------------------------------------------------------------

_NOT_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def file_stem(text: str, limit: int, default: str) -> str:
    """``text`` as a file-name stem: each run of other characters a ``-``, stripped of leading
    and trailing ``.``/``-``, at most ``limit`` characters; ``default`` when nothing is left."""
    return _NOT_IN_FILE_NAME.sub("-", text).strip(".-")[:limit] or default


def unique_stem(base: str, taken: set[str]) -> str:
    """``base``, else ``base-2``, ``base-3``…: the first not in ``taken`` (compared in lower case,
    as a case-insensitive file system would), which is added to ``taken``."""
    stem, n = base, 2
    while stem.lower() in taken:
        stem, n = f"{base}-{n}", n + 1
    taken.add(stem.lower())
    return stem
