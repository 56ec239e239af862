"""One reader of ``BASE..HEAD``: the audit's --range, the Action's range input and the pre-push
refs agree on what a range is, because they use the same function."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evalledger import action, revrange
from evalledger.action import InputError, read_inputs
from evalledger.cli import main
from gitutil import GitRepo

SRC = Path(__file__).resolve().parent.parent / "src" / "evalledger"


@pytest.mark.parametrize(
    "text, base, head, symmetric",
    [
        ("main..HEAD", "main", "HEAD", False),
        ("origin/main...topic", "origin/main", "topic", True),
        ("..topic", "HEAD", "topic", False),
        ("v1..", "v1", "HEAD", False),
        ("@{upstream}..HEAD", "@{upstream}", "HEAD", False),
    ],
)
def test_ranges_read(text, base, head, symmetric):
    got = revrange.parse(text)
    assert (got.base, got.head, got.symmetric) == (base, head, symmetric)
    assert str(got) == f"{base}{'...' if symmetric else '..'}{head}"


@pytest.mark.parametrize("text", ["HEAD", "", "a..b..c", "a...b..c", "main"])
def test_not_ranges(text):
    with pytest.raises(revrange.RangeError, match=r"BASE\.\.HEAD"):
        revrange.parse(text)


def test_both_ends_can_be_required():
    with pytest.raises(revrange.RangeError, match="both ends"):
        revrange.parse("..HEAD", empty_side=None)
    assert revrange.join("a" * 40, "HEAD") == f"{'a' * 40}..HEAD"


@pytest.mark.parametrize("text", ["main..HEAD", "a...b", "..b", "a..", "a..b..c", "HEAD", "a....b"])
def test_the_action_and_the_audit_agree_with_the_reader(tmp_path, capsys, text):
    try:
        revrange.parse(text, empty_side=None)
        shaped = True
    except revrange.RangeError:
        shaped = False
    try:
        read_inputs({action.ENV_PREFIX + "MODE": "audit", action.ENV_PREFIX + "RANGE": text})
        accepted = True
    except InputError as exc:
        accepted = "must look like BASE..HEAD" not in str(exc)
    assert accepted == shaped
    repo = GitRepo.init(tmp_path / "m")
    repo.write("a.txt", "a\n")
    repo.commit("a")
    assert main(["audit", str(repo.path), "--range", text]) == (0 if text == "main..HEAD" else 2)
    err = capsys.readouterr().err
    try:
        revrange.parse(text)
        assert "is not of the form" not in err
    except revrange.RangeError:
        assert f"--range {text!r} is not of the form BASE..HEAD" in err


def test_no_other_module_splits_ranges():
    """A range is read in one place: no ``split``/``partition`` on ``..`` anywhere else."""
    pattern = re.compile(r"""(split|partition)\(\s*["']\.\.\.?["']""")
    found = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "revrange.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
