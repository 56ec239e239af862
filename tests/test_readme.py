"""The README stays true: its first command prints exactly what it shows."""
from __future__ import annotations

import re
from pathlib import Path

from evalledger.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_first_command_prints_the_output_shown(capsys, monkeypatch):
    command = re.search(r"```sh\npython -m pip install \. && evalledger (lint [^\n]+)\n```", README)
    shown = re.search(r"The first command prints [^\n]*\n\n```text\n(.*?)```", README, re.S)
    assert command and shown, "README: the first command or its output block moved"
    monkeypatch.chdir(ROOT)
    code = main(command.group(1).split())
    assert code == 1  # "exits 1"
    assert capsys.readouterr().out == shown.group(1)
