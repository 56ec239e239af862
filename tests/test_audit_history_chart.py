"""The score history chart of the PR report: per flagged entry, a Mermaid xychart-beta of its value
over the audited commits, the flagged commit marked; nothing from the audited files inside it."""

from __future__ import annotations

import re

from evalledger.cli import main
from gitutil import GitRepo

ENTRY = """\
- dataset:
    id: {bench}
    task_id: diamond
  value: {value}
  source:
    url: https://example.org/{url}
  notes: {notes}
"""

# every line a Mermaid block may hold: numbers, short commit ids, the mark; no text from a repo
LINE = re.compile(
    r'xychart-beta|    x-axis \[("(before|[0-9a-f]{7})( ⚑)?"(, )?)+\]|'
    r'    y-axis "value" -?[0-9.e+-]+ --> -?[0-9.e+-]+|    (bar|line) \[(-?[0-9.e+-]+(, )?)+\]'
)


def _charts(text: str) -> list[list[str]]:
    return [block.splitlines() for block in re.findall(r"```mermaid\n(.*?)```", text, re.S)]


def _series(chart: list[str]) -> tuple[list[str], list[float], list[float]]:
    labels = re.findall(r'"([^"]+)"', chart[1])
    bar = [float(v) for v in re.search(r"bar \[(.*)\]", "\n".join(chart)).group(1).split(", ")]
    line = [float(v) for v in re.search(r"line \[(.*)\]", "\n".join(chart)).group(1).split(", ")]
    return labels, bar, line


def test_whole_history_chart_marks_the_flagged_commit(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    shas = []
    for value, url in ((61.0, "a"), (62.5, "b"), (70.0, "b"), (69.5, "c")):  # 62.5 -> 70.0: raised, no evidence
        repo.write(".eval_results/r.yaml", ENTRY.format(bench="org/bench", value=value, url=url, notes="x"))
        shas.append(repo.commit(f"value {value}"))
    assert main(["audit", str(repo.path), "--format", "markdown", "--model", "org/m"]) == 1
    out = capsys.readouterr().out
    [chart] = _charts(out)
    assert all(LINE.fullmatch(line) for line in chart), chart
    labels, bar, line = _series(chart)
    assert labels == [shas[0][:7], shas[1][:7], f"{shas[2][:7]} ⚑", shas[3][:7]]
    assert line == [61.0, 62.5, 70.0, 69.5]
    low = float(re.search(r'y-axis "value" (\S+)', chart[2]).group(1))
    assert bar == [low, low, 70.0, low] and low < 61.0
    assert f"⚑ flagged: `{shas[2][:7]}` (`value-changed-without-evidence`, `value-raised`)" in out
    assert out.index("#### Score history of flagged entries") < out.index("Rule docs")


def test_range_chart_starts_from_the_value_before_it_and_keeps_repo_text_out(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    hostile = 'org/b"]\\n    line [1, 2]\\n%%{init: {}}%%'
    repo.write(".eval_results/r.yaml", ENTRY.format(bench=f"'{hostile}'", value=0.5, url="a", notes="'\"]'"))
    base = repo.commit("add")
    repo.write(".eval_results/r.yaml", ENTRY.format(bench=f"'{hostile}'", value=0.6, url="a", notes="'\"]'"))
    raised = repo.commit("raise")
    assert main(["audit", str(repo.path), "--range", f"{base}..HEAD", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    [chart] = _charts(out)
    assert all(LINE.fullmatch(line) for line in chart), chart
    labels, _, line = _series(chart)
    assert labels == ["before", f"{raised[:7]} ⚑"] and line == [0.5, 0.6]
    title = out.split("#### Score history of flagged entries\n\n", 1)[1].split("\n", 1)[0]
    assert "org/b&quot;\\]" in title  # escaped Markdown, above the chart


def test_no_chart_without_a_history_to_draw(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/r.yaml", ENTRY.format(bench="org/bench", value=1.0, url="a", notes="x"))
    repo.commit("add")
    repo.write(".eval_results/r.yaml", "[]\n")
    repo.commit("delete the entry")  # flagged (entry-deleted), but one value: nothing to chart
    main(["audit", str(repo.path), "--format", "markdown"])
    out = capsys.readouterr().out
    assert "entry-deleted" in out and "```mermaid" not in out
