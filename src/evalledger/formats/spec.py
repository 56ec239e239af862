"""`eval.yaml`: a benchmark's spec (FORMATS.md §2). Reads it; lint rules judge it.

``load_spec(path)`` gives the task ids that `.eval_results` entries must reference; lint
``--benchmark``, aggregate and audit use it. Nothing heavy is imported (no pydantic, no inspect_ai).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evalledger.finding import Finding
from evalledger.lint.rules.input import UNREADABLE_FILE
from evalledger.lint.rules.shape import MISSING_FIELD
from evalledger.yamlsource import DEFAULT_LIMITS, Limits, Node, YamlLoadError, load, read_file

if TYPE_CHECKING:  # a spec carries the policy beside it; reading a spec needs no policy code
    from evalledger.policy import BenchmarkPolicy

SPEC_FILE_NAMES = ("eval.yaml", "eval.yml")
SPEC_KEYS = ("name", "description", "evaluation_framework", "tasks")
TASK_KEYS = ("id", "config", "split")
INSPECT_TASK_KEYS = (
    "id",
    "config",
    "split",
    "field_spec",
    "shuffle_choices",
    "epochs",
    "epoch_reducer",
    "solvers",
    "scorers",
)
INSPECT_FRAMEWORK = "inspect-ai"

# huggingface.js packages/tasks/src/eval.ts EVALUATION_FRAMEWORKS, as of HEAD fe42e680 (2026-08-21).
# HF adds to this list about monthly: treat it as versioned data, and an unknown name as a warning.
EVALUATION_FRAMEWORKS_VERSION = "huggingface.js fe42e680 (2026-08-21)"
EVALUATION_FRAMEWORKS = frozenset(
    {
        "exgentic",
        "inspect-ai",
        "math-arena",
        "mteb",
        "olmocr-bench",
        "harbor",
        "ifstruct",
        "pier",
        "redline-bench",
        "archipelago",
        "benchflow",
        "apex-evals",
        "screenspot-pro",
        "swe-bench",
        "swe-bench-pro",
        "nemo-evaluator",
        "yc-bench",
        "open-asr-leaderboard",
        "mdpbench",
        "real5-omnidocbench",
        "parsebench",
        "video-mme-v2",
        "claw-eval",
        "researchclawbench",
        "pbench",
        "wildclawbench",
        "wbench",
        "nanofold",
        "mmmu",
        "extractbench",
    }
)
RENAMED_FRAMEWORKS = {"olmo-bench": "olmocr-bench"}  # renamed upstream on 2026-03-06


@dataclass(frozen=True)
class Spec:
    """What results need from a benchmark: its task ids (in file order) and where they were written.

    ``dataset_id`` is the Hub dataset the spec belongs to when known (None: applies to every entry
    it is given, see ``evalledger.lint.benchmark``); ``policy`` the `.evalledger.yaml` beside it.
    """

    path: str
    task_ids: tuple[str, ...]
    name: str | None = None
    framework: str | None = None
    dataset_id: str | None = None
    policy: BenchmarkPolicy | None = None
    task_lines: dict[str, int] = field(default_factory=dict, compare=False)
    # task id -> (config, split) as the task declares them (None when not written)
    task_data: dict[str, tuple[str | None, str | None]] = field(default_factory=dict, compare=False)

    def with_target(self, dataset_id: str | None, policy: BenchmarkPolicy | None = None) -> Spec:
        return Spec(
            self.path,
            self.task_ids,
            self.name,
            self.framework,
            dataset_id,
            policy if policy is not None else self.policy,
            self.task_lines,
            self.task_data,
        )


def is_inspect(root: Node) -> bool:
    """Whether inspect_ai's task rules apply: declared, or implied by a legacy file without a
    framework whose tasks carry Inspect fields (files written "for compatibility with inspect-ai")."""
    framework = root.get("evaluation_framework")
    if framework is not None and framework.kind == "scalar" and framework.value is not None:
        return bool(framework.value == INSPECT_FRAMEWORK)
    tasks = root.get("tasks")
    if tasks is None or tasks.kind != "seq":
        return False
    return any(t.kind == "map" and any(k in t.value for k in ("field_spec", "solvers", "scorers")) for t in tasks.value)


def read_spec(root: Node | None, path: str) -> Spec | None:
    """The task ids of a parsed eval.yaml; None when it has no list of tasks."""
    if root is None or root.kind != "map":
        return None
    tasks = root.get("tasks")
    if tasks is None or tasks.kind != "seq":
        return None
    ids: list[str] = []
    lines: dict[str, int] = {}
    data: dict[str, tuple[str | None, str | None]] = {}
    for task in tasks.value:
        if task.kind != "map":
            continue
        node = task.get("id")
        if node is not None and node.kind == "scalar" and node.value is not None and not isinstance(node.value, bool):
            task_id = str(node.value)
            if task_id not in lines:
                ids.append(task_id)
                lines[task_id] = node.line
                data[task_id] = (_text(task.get("config")), _text(task.get("split")))
    name = root.get("name")
    framework = root.get("evaluation_framework")
    return Spec(
        path,
        tuple(ids),
        name.value if name is not None and isinstance(name.value, str) else None,
        framework.value if framework is not None and isinstance(framework.value, str) else None,
        task_lines=lines,
        task_data=data,
    )


def _text(node: Node | None) -> str | None:
    if node is None or node.kind != "scalar" or node.value is None or isinstance(node.value, bool):
        return None
    return str(node.value)


def load_spec(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> tuple[Spec | None, list[Finding]]:
    """Read an eval.yaml: (spec or None, problems found while reading it).

    The problems are those that stop the task ids from being known (unreadable, not YAML, no task
    list); ``evalledger lint --kind spec`` checks everything else.
    """
    shown = str(path)
    try:
        data = read_file(path, limits, what="a benchmark spec")
    except OSError as exc:
        return None, [
            Finding(
                shown,
                1,
                1,
                UNREADABLE_FILE.id,
                UNREADABLE_FILE.severity,
                f"cannot read benchmark spec: {exc.strerror or exc}",
            )
        ]
    except YamlLoadError as exc:
        return None, [exc.to_finding(shown)]
    try:
        doc = load(data, shown, limits=limits)
    except YamlLoadError as exc:
        return None, [exc.to_finding(shown)]
    spec = read_spec(doc.root, shown)
    findings = list(doc.problems)
    if spec is None:
        where = doc.root if doc.root is not None else None
        line, column = (where.line, where.column) if where is not None else (1, 1)
        findings.append(
            Finding(
                shown,
                line,
                column,
                MISSING_FIELD.id,
                MISSING_FIELD.severity,
                "benchmark spec has no `tasks` list, so no task ids are defined",
            )
        )
    return spec, findings
