"""The PR-ready Markdown report: exact structure, escaping of text taken from the audited files."""

from __future__ import annotations

import io

from evalledger.cli import main
from evalledger.escape import markdown as escape
from evalledger.finding import Finding
from evalledger.report import Report, render
from gitutil import GitRepo

ENTRY = """\
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: {value}
  verifyToken: {token}
  source:
    url: https://example.org/{url}
"""

EXPECTED = """\
### Eval-results audit: 2 errors, 1 warning, 2 info (2 commits changing results in `{base7}..HEAD`)

| Severity | Rule | Model | Task | Old → New | Δ | Finding | Commit |
|---|---|---|---|---|---|---|---|
| ❌ error | `value-raised` | org/m | Idavidrein/gpqa · diamond | 0.41 → 0.47 | +0.06 | Idavidrein/gpqa · diamond improved 0.41 → 0.47 (+0.06, over the 0.02 fraction threshold) with source, notes and revision unchanged | `{raise7}` |
| ❌ error | `verify-token-stale` | org/m | Idavidrein/gpqa · diamond | 0.41 → 0.47 | +0.06 | Idavidrein/gpqa · diamond 0.41 → 0.47: verifyToken unchanged, so it signs another value | `{raise7}` |
| ⚠️ warning | `value-changed-without-evidence` | org/m | Idavidrein/gpqa · diamond | 0.41 → 0.47 | +0.06 | Idavidrein/gpqa · diamond changed 0.41 → 0.47 (+0.06) while source, notes and dataset revision stayed the same | `{raise7}` |

<details><summary>2 info findings</summary>

| Severity | Rule | Model | Task | Old → New | Δ | Finding | Commit |
|---|---|---|---|---|---|---|---|
| ℹ️ info | `value-changed` | org/m | Idavidrein/gpqa · diamond | 0.47 → 0.45 | -0.02 | Idavidrein/gpqa · diamond changed 0.47 → 0.45 (-0.02) with new evidence | `{rerun7}` |
| ℹ️ info | `value-edited-by-other-author` | org/m | Idavidrein/gpqa · diamond | 0.41 → 0.47 | +0.06 | Idavidrein/gpqa · diamond 0.41 → 0.47 edited by bob; the previous value was written by alice in {base10} | `{raise7}` |

</details>

#### Flagged entries, before → after

<details><summary>Idavidrein/gpqa · diamond — org/m at `{raise7}`: <code>value-raised</code></summary>

.eval\\_results/gpqa.yaml:4

```diff
 dataset:
   id: Idavidrein/gpqa
   task_id: diamond
-value: 0.41
+value: 0.47
 verifyToken: tok
 source:
   url: https://example.org/a
```

</details>

#### Score history of flagged entries

Idavidrein/gpqa · diamond — org/m

```mermaid
xychart-beta
    x-axis ["before", "{raise7} ⚑", "{rerun7}"]
    y-axis "value" 0.404 --> 0.476
    bar [0.404, 0.47, 0.404]
    line [0.41, 0.47, 0.45]
```

⚑ flagged: `{raise7}` (`value-changed-without-evidence`, `value-raised`, `verify-token-stale`)

Rule docs: `evalledger rules` · exit status follows `--fail-on` (default: error)
"""


def test_markdown_report_exact_structure(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/gpqa.yaml", ENTRY.format(value=0.41, token="tok", url="a"))
    base = repo.commit("add", author="alice")
    repo.write(".eval_results/gpqa.yaml", ENTRY.format(value=0.47, token="tok", url="a"))
    raised = repo.commit("raise", author="bob")
    repo.write(".eval_results/gpqa.yaml", ENTRY.format(value=0.45, token="tok2", url="b"))
    rerun = repo.commit("rerun", author="bob")
    code = main(["audit", str(repo.path), "--range", f"{base}..HEAD", "--format", "markdown", "--model", "org/m"])
    assert code == 1
    assert capsys.readouterr().out == EXPECTED.format(
        base7=base[:7], base10=base[:10], raise7=raised[:7], rerun7=rerun[:7]
    )


def test_markdown_without_findings(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/gpqa.yaml", ENTRY.format(value=0.41, token="tok", url="a"))
    repo.commit("add")
    assert main(["audit", str(repo.path), "--format", "markdown"]) == 0
    assert capsys.readouterr().out == "### Eval-results audit: no findings (1 commit changing results)\n"


def test_untrusted_text_cannot_break_the_comment():
    assert escape("a|b") == "a\\|b"
    assert escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape("ping @maintainer\nnext line") == "ping @\u200bmaintainer next line"
    assert escape("[click](http://x) `code` *b* _i_") == "\\[click\\](http://x) \\`code\\` \\*b\\* \\_i\\_"
    # a diff whose content holds a code fence is wrapped in a longer fence
    finding = Finding(
        ".eval_results/x.yaml",
        4,
        1,
        "value-changed",
        "info",
        "m",
        commit="a" * 40,
        old=1.0,
        new=2.0,
        evidence={
            "model": "m",
            "benchmark": "b",
            "task": "t",
            "setup": "",
            "before": {"notes": "```"},
            "after": {"notes": "````"},
        },
    )
    out = io.StringIO()
    render(Report("audit", [finding], extra={"commits": 1}), "markdown", out)
    assert "`````diff\n" in out.getvalue() and "\n`````\n" in out.getvalue()


def test_markdown_for_lint_findings_is_a_simple_table():
    findings = [Finding(".eval_results/a.yaml", 3, 5, "value-not-number", "error", "value is 'x|y'")]
    out = io.StringIO()
    render(Report("lint", findings, files=2), "markdown", out)
    assert out.getvalue() == (
        "### Eval-results lint: 1 error (2 files)\n\n"
        "| Severity | Rule | Location | Problem |\n|---|---|---|---|\n"
        "| ❌ error | `value-not-number` | .eval\\_results/a.yaml:3:5 | value is 'x\\|y' |\n"
    )
