"""The fork-safe PR comment job (examples/workflows/audit-pr-comment.yml): its script runs with
real bash on a real artifact directory; only `gh` (GitHub's API, unreachable here) is a recording
stand-in. What matters is what it refuses: the artifact comes from a run on untrusted PR code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

from evalledger.action import COMMENT_MARKER

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "examples" / "workflows" / "audit-pr-comment.yml"
HEAD = "c" * 40

FAKE_GH = textwrap.dedent(f"""\
    #!{sys.executable}
    # records each call; answers the two reads the script makes from $FAKE_GH_STATE
    import json, os, sys
    args = sys.argv[1:]
    state = json.load(open(os.environ["FAKE_GH_STATE"]))
    call = {{"args": args}}
    if "-F" in args:
        body = args[args.index("-F") + 1]
        call["body"] = open(body.split("@", 1)[1]).read()
    with open(os.environ["FAKE_GH_LOG"], "a") as log:
        log.write(json.dumps(call) + "\\n")
    path = next(a for a in args if a.startswith("repos/"))
    if path.endswith("/comments") and "-X" not in args:
        print("\\n".join(str(i) for i in state["comment_ids"]))
    elif "/pulls/" in path:
        print(state["head"])
""")


def script() -> str:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["comment"]["steps"]
    return next(s["run"] for s in steps if "run" in s)


def run_comment(
    tmp_path: Path, pr_number: str, report: str, *, head: str = HEAD, comment_ids: list[int] | None = None
) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    work = tmp_path / "job"
    (work / "audit").mkdir(parents=True)
    (work / "audit" / "pr-number.txt").write_text(pr_number)
    (work / "audit" / "report.md").write_text(report)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    (tmp_path / "state.json").write_text(json.dumps({"head": head, "comment_ids": comment_ids or []}))
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GH_TOKEN": "t",
        "REPO": "org/model",
        "HEAD_SHA": HEAD,
        "FAKE_GH_STATE": str(tmp_path / "state.json"),
        "FAKE_GH_LOG": str(tmp_path / "calls"),
    }
    proc = subprocess.run(["bash", "-c", script()], cwd=work, env=env, capture_output=True, text=True)
    calls = (
        [json.loads(line) for line in (tmp_path / "calls").read_text().splitlines()]
        if (tmp_path / "calls").exists()
        else []
    )
    return proc, calls


def test_posts_a_new_comment_with_the_marker(tmp_path):
    proc, calls = run_comment(tmp_path, "42\n", f"{COMMENT_MARKER}\n### Eval-results audit: 1 error\n")
    assert proc.returncode == 0, proc.stderr
    assert calls[0]["args"][:2] == ["api", "repos/org/model/pulls/42"]
    post = calls[-1]
    assert post["args"][:4] == ["api", "-X", "POST", "repos/org/model/issues/42/comments"]
    assert post["body"] == f"{COMMENT_MARKER}\n### Eval-results audit: 1 error\n"


def test_updates_the_existing_comment_in_place(tmp_path):
    proc, calls = run_comment(tmp_path, "42", f"{COMMENT_MARKER}\nsecond run\n", comment_ids=[777, 778])
    assert proc.returncode == 0, proc.stderr
    assert calls[-1]["args"][:4] == ["api", "-X", "PATCH", "repos/org/model/issues/comments/777"]


def test_refuses_a_pr_number_that_is_not_a_number(tmp_path):
    proc, calls = run_comment(tmp_path, "42 --method DELETE", "x")
    assert proc.returncode == 1 and "::error::pr-number.txt does not hold a pull request number" in proc.stdout
    assert calls == []


def test_does_not_comment_on_a_pr_whose_head_is_not_the_audited_commit(tmp_path):
    proc, calls = run_comment(tmp_path, "7", "x", head="d" * 40)
    assert proc.returncode == 0 and "::notice::PR #7 has moved on" in proc.stdout
    assert [c["args"][1] for c in calls] == ["repos/org/model/pulls/7"]  # read only, nothing posted


def test_body_is_capped_and_carries_exactly_one_marker(tmp_path):
    report = f"{COMMENT_MARKER}\n{COMMENT_MARKER}\n" + "| row |\n" * 20_000
    proc, calls = run_comment(tmp_path, "9", report)
    assert proc.returncode == 0, proc.stderr
    body = calls[-1]["body"]
    assert body.startswith(COMMENT_MARKER + "\n") and body.count(COMMENT_MARKER) == 1
    assert len(body.encode()) <= 60_000 + len(COMMENT_MARKER) + 1 < 65_536
