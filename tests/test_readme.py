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


def test_the_files_shown_before_any_mistake_are_valid(tmp_path, capsys):
    """README's complete `.eval_results` file and `eval.yaml` pass lint --strict, checked together
    (task ids against the spec) under the example benchmark's policy (GPQA scores in percent)."""
    section = README.split("## The files", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    results = next(b for b in blocks if b.startswith("# .eval_results/gpqa.yaml"))
    spec = next(b for b in blocks if b.startswith("# eval.yaml"))
    assert "value:" in results and "verifyToken:" in results and "source:" in results and "notes:" in results
    bench = tmp_path / "benchmarks/Idavidrein/gpqa"
    bench.mkdir(parents=True)
    (bench / "eval.yaml").write_text(spec)
    (bench / ".evalledger.yaml").write_bytes(
        (ROOT / "examples/benchmark/Idavidrein/gpqa/.evalledger.yaml").read_bytes()
    )
    (tmp_path / "model/.eval_results").mkdir(parents=True)
    (tmp_path / "model/.eval_results/gpqa.yaml").write_text(results)
    code = main(
        [
            "lint",
            "--strict",
            "--benchmark",
            str(tmp_path / "benchmarks"),
            str(tmp_path / "model"),
            str(bench / "eval.yaml"),
        ]
    )
    assert (code, capsys.readouterr().out) == (0, "")


def test_pins_and_changelog():
    from evalledger import __version__

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", changelog, re.M)
    assert headings[0] == "Unreleased"
    assert any(h.split()[0] == __version__ for h in headings[1:]), f"CHANGELOG.md has no {__version__} entry"
    # no pin to a tag that was never made: a rev is a placeholder or a tag the changelog records
    tags = {f"v{h.split()[0]}" for h in headings[1:] if "not tagged" not in h}
    for rev in re.findall(r"^\s+rev: (.+)$", README, re.M):
        assert rev.startswith("<") or rev in tags, f"README pins rev {rev!r}, which is no release tag"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and 'version = {attr = "evalledger.__version__"}' in pyproject


def test_action_inputs_table_lists_every_input_of_action_yml():
    import yaml

    section = README.split("\n### Inputs\n", 1)[1].split("\n### ", 1)[0]
    cells = re.findall(r"^\| (`[^|]+`) \|", section, re.M)
    named = {name for cell in cells for name in re.findall(r"`([a-z-]+)`", cell)}
    inputs = set(yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["inputs"])
    assert named == inputs, f"README's Inputs table: missing {sorted(inputs - named)}, unknown {sorted(named - inputs)}"


def layout_entries() -> dict[str, str]:
    """README's "Project layout" block as {path: why}: one entry per line, two spaces of indent per
    level under the folder above (a name ending in `/`), the reason after two or more spaces."""
    section = README.split("\n## Project layout\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```text\n(.*?)```", section, re.S)
    assert block, "README: the Project layout section has no ```text block"
    entries: dict[str, str] = {}
    parents: list[str] = []
    for number, line in enumerate(block.group(1).splitlines(), 1):
        match = re.fullmatch(r"( *)(\S+)(?: {2,}(\S.*))?", line)
        assert match, f"layout line {number} is not `NAME  why it exists`: {line!r}"
        indent, name, why = match.groups()
        depth = len(indent) // 2
        assert len(indent) % 2 == 0 and depth <= len(parents), f"layout line {number}: indent {line!r}"
        assert why, f"layout line {number}: {name} does not say why it exists"
        parents = parents[:depth]
        path = "".join(parents) + name
        assert path not in entries, f"layout line {number}: {path} is listed twice"
        entries[path] = why
        if name.endswith("/"):
            parents.append(name)
    return entries


def test_project_layout_matches_the_tree():
    """Every module and folder under src/evalledger/ is in the layout (an `__init__.py` may be),
    and everything the layout names exists."""
    entries = layout_entries()
    package = ROOT / "src" / "evalledger"
    tree = {
        "src/evalledger/" + p.relative_to(package).as_posix() + ("/" if p.is_dir() else "")
        for p in package.rglob("*")
        if "__pycache__" not in p.parts and (p.is_dir() or (p.suffix == ".py" and p.name != "__init__.py"))
    }
    missing = sorted(tree - set(entries))
    assert not missing, f"README's Project layout does not list {missing}: add one line each saying why it exists"
    gone = sorted(p for p in entries if not (ROOT / p).exists() or p.endswith("/") != (ROOT / p).is_dir())
    assert not gone, f"README's Project layout lists {gone}, which do not exist (or are not that kind)"
