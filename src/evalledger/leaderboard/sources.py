"""Where a leaderboard's results come from: a registry file of model repos, and submission folders.

Registry (``--models FILE``), one model repo per line, ``#`` starts a comment::

    https://huggingface.co/MiniMaxAI/MiniMax-M2.5            # model id from the URL
    https://github.com/org/model.git  release  org/model     # ref (branch, tag, refs/..., sha) and id
    ../models/local-model  -  acme/local                     # "-" keeps the default branch

or the same as YAML, a list of ``{url, ref, model}`` mappings (``path`` is accepted for ``url``).
Relative paths are read relative to the registry file. A bad line stops the run (exit 2) before
anything is fetched or written: silently skipping a typo would commit the removal of a model.

Submission folders (``--models-dir DIR``): every ``DIR/<name>/.eval_results/`` (or
``DIR/<org>/<name>/.eval_results/``) is one model, its id the folder path under DIR.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from evalledger.finding import Finding
from evalledger.formats.results import RESULTS_DIR
from evalledger.leaderboard.auth import token_shaped, url_credentials
from evalledger.leaderboard.registry import REGISTRY_DUPLICATE, REGISTRY_INVALID
from evalledger.lint.rules.input import SYMLINK_OUTSIDE_REPO

_SCHEMES = ("https://", "http://", "ssh://", "git://", "file://")
_SHA = re.compile(r"^[0-9a-f]{40}$")
_BAD_REF = re.compile(r"(^-)|[\s:~^?*\[\\]|\.\.|@\{|//|\.lock$|/$")
_MODEL_ID = re.compile(r"^[^\s]+$")
#: a text registry is read only up to this size (about 150,000 lines); a YAML one, parsed, has the
#: YAML files' bound (yamlsource.DEFAULT_LIMITS, 2 MiB)
MAX_REGISTRY_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class ModelSource:
    """One model repo (or submission folder) to read results from.

    ``url`` is what the registry says, written to the leaderboard as is (so output does not depend
    on where the benchmark is checked out); ``location`` is what git or the filesystem is given.
    """

    url: str
    location: str
    model: str
    ref: str | None = None
    kind: str = "git"  # "git": fetched into the cache; "dir": a folder read in place
    where: str = ""  # registry file:line, for messages

    @property
    def identity(self) -> tuple[str, str, str, str]:
        return (self.kind, self.location, self.ref or "", self.model)


def model_id_from_url(url: str) -> str:
    """``org/name`` from a repo URL or path (the Hub's own ids have this shape)."""
    text = url.rstrip("/")
    if text.endswith(".git"):
        text = text[:-4]
    if "://" not in text and ":" in text.split("/", 1)[0]:  # scp-like git@host:org/name
        text = text.split(":", 1)[1]
    parts = [p for p in re.split(r"[/\\]", text) if p and p not in (".", "..")]
    if len(parts) >= 2 and "://" in url and len(parts) <= 3:  # https://host/name
        return parts[-1]
    return "/".join(parts[-2:]) if len(parts) >= 2 else (parts[-1] if parts else url)


def _check_url(url: str) -> str | None:
    """Why ``url`` cannot be used, or None. Messages never quote a URL that carries credentials."""
    secret, shown = url_credentials(url)
    if secret:
        return (
            f"credentials in URL {shown}: a registry URL is written to the tables, the JSON "
            "result and the job summary; remove them, and put a Hugging Face token in HF_TOKEN "
            "(or the variable --token-env names; it is sent only to the Hub) or use a git "
            "credential helper for other hosts"
        )
    if url.startswith("-"):
        return "a repo URL must not start with '-'"
    if "::" in url or url.startswith(("ext:", "fd:")):
        return "remote helpers (ext::, fd::, <transport>::) are not allowed in a registry"
    if "://" in url and not url.startswith(_SCHEMES):
        return f"unsupported URL scheme in {url!r} (use https, ssh, git, file or a path)"
    if any(ch in url for ch in "\n\r\0"):
        return "control characters in a repo URL"
    return None


def _token_problem(field: str) -> str:
    """The message for an access token pasted into ``field`` (never the value: it is a secret)."""
    return (
        f"{field} looks like an access token (hf_..., ghp_...; not shown): a registry entry is "
        "written to the tables, the JSON result, the job summary and git's command line; remove it, "
        "and put a Hugging Face token in HF_TOKEN (or the variable --token-env names)"
    )


def _check_ref(ref: str) -> str | None:
    if _SHA.match(ref):
        return None
    if _BAD_REF.search(ref) or any(ord(ch) < 32 for ch in ref):
        return f"{ref!r} is not a valid git ref name"
    return None


def _make(
    url: str,
    ref: str | None,
    model: str | None,
    base: Path,
    where: str,
    path: str,
    line: int,
    findings: list[Finding],
    at: dict[str, tuple[int, int]] | None = None,
) -> ModelSource | None:
    """A source, or None with a finding at ``path:line`` (a field's own problem at ``at[field]``,
    its line and column, when known)."""
    at = at or {}
    problem = _check_url(url)
    if problem:
        findings.append(_invalid(path, *at.get("url", (line, 1)), problem))
        return None
    for name, text in (("ref", ref), ("model", model)):
        if text and token_shaped(text):
            findings.append(_invalid(path, *at.get(name, (line, 1)), _token_problem(f"`{name}`")))
            return None
    problem = _check_ref(ref) if ref else None
    if model is not None and not _MODEL_ID.match(model):
        problem = problem or f"model id {model!r} must not contain spaces"
    if problem:
        findings.append(_invalid(path, line, 1, problem))
        return None
    if "://" in url or (":" in url.split("/", 1)[0] and not Path(url).exists()):
        location = url
    else:
        location = str((base / url).resolve())
    return ModelSource(url=url, location=location, model=model or model_id_from_url(url), ref=ref, where=where)


def parse_registry_text(text: str, path: str, base: Path) -> tuple[list[ModelSource], list[Finding]]:
    sources: list[ModelSource] = []
    findings: list[Finding] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) > 3:
            findings.append(
                _invalid(path, number, 1, f"expected `URL-or-path [ref] [model-id]`, found {len(fields)} fields")
            )
            continue
        url = fields[0]
        ref = fields[1] if len(fields) > 1 and fields[1] != "-" else None
        model = fields[2] if len(fields) > 2 else None
        columns = [m.start() + 1 for m in re.finditer(r"\S+", raw)]  # the comment was at the end
        at = {name: (number, column) for name, column in zip(("url", "ref", "model"), columns, strict=False)}
        source = _make(url, ref, model, base, f"{path}:{number}", path, number, findings, at)
        if source:
            sources.append(source)
    return sources, findings


def parse_registry_yaml(data: bytes, path: str, base: Path) -> tuple[list[ModelSource], list[Finding]]:
    from evalledger.yamlsource import YamlLoadError, load

    try:
        doc = load(data, path)
    except YamlLoadError as exc:
        return [], [exc.to_finding(path)]
    findings = list(doc.problems)
    root = doc.root
    if root is None:
        return [], findings
    if root.kind != "seq":
        return [], findings + [
            _invalid(path, root.line, root.column, "a YAML registry must be a list of {url, ref, model}")
        ]
    sources = []
    for item in root.value:
        at = {"url": (item.line, item.column)}
        if item.kind == "scalar" and isinstance(item.value, str):
            fields = {"url": item.value}
        elif item.kind == "map":
            fields = {}
            for key in ("url", "path", "ref", "model"):
                node = item.get(key)
                if node is None:
                    continue
                if node.kind != "scalar" or not isinstance(node.value, (str, int)) or isinstance(node.value, bool):
                    findings.append(_invalid(path, node.line, node.column, f"`{key}` must be a string"))
                    fields = {}
                    break
                fields["url" if key == "path" else key] = str(node.value)  # `path` wins over `url`
                at["url" if key == "path" else key] = (node.line, node.column)
            else:
                unknown = sorted(set(item.value) - {"url", "path", "ref", "model"})
                if any(token_shaped(str(key)) for key in unknown):
                    findings.append(_invalid(path, item.line, item.column, _token_problem("a key")))
                    continue
                if unknown:
                    findings.append(
                        _invalid(
                            path,
                            item.line,
                            item.column,
                            f"unknown key(s) {', '.join(map(str, unknown))} (expected url, ref, model)",
                        )
                    )
                    continue
            if not fields:
                continue
        else:
            findings.append(
                _invalid(
                    path, item.line, item.column, "each registry entry must be a URL or a {url, ref, model} mapping"
                )
            )
            continue
        if "url" not in fields:
            findings.append(_invalid(path, item.line, item.column, "registry entry without `url`"))
            continue
        source = _make(
            fields["url"],
            fields.get("ref"),
            fields.get("model"),
            base,
            f"{path}:{item.line}",
            path,
            item.line,
            findings,
            at,
        )
        if source:
            sources.append(source)
    return sources, findings


def load_registry(path: str | Path, shown: str | None = None) -> tuple[list[ModelSource], list[Finding]]:
    """Model sources listed in a registry file, and its problems (file:line)."""
    from evalledger.yamlsource import DEFAULT_LIMITS, Limits, YamlLoadError, read_file

    file = Path(path)
    shown = shown or str(path)
    yaml_registry = file.suffix in (".yaml", ".yml")
    # a YAML registry is parsed, so it has the YAML files' bound; a text one is split into lines
    limits = DEFAULT_LIMITS if yaml_registry else Limits(max_bytes=MAX_REGISTRY_BYTES)
    try:
        data = read_file(file, limits, what="a model registry")
    except OSError as exc:  # a FIFO is refused, never waited on
        return [], [_invalid(shown, 1, 1, f"cannot read model registry: {exc.strerror or exc}")]
    except YamlLoadError as exc:
        return [], [_invalid(shown, 1, 1, exc.message)]
    base = file.resolve().parent
    if yaml_registry:
        sources, findings = parse_registry_yaml(data, shown, base)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return [], [_invalid(shown, 1, 1, "registry is not UTF-8 text")]
        sources, findings = parse_registry_text(text, shown, base)
    return sources, findings + _duplicates(sources, shown)


def _invalid(path: str, line: int, column: int, message: str) -> Finding:
    return Finding(path, line, column, REGISTRY_INVALID.id, REGISTRY_INVALID.severity, message)


def _duplicates(sources: list[ModelSource], shown: str) -> list[Finding]:
    findings = []
    seen: dict[tuple[str, str, str, str], ModelSource] = {}
    for source in sources:
        first = seen.setdefault(source.identity, source)
        if first is not source:
            line = int(source.where.rsplit(":", 1)[1])
            findings.append(
                Finding(
                    shown,
                    line,
                    1,
                    REGISTRY_DUPLICATE.id,
                    REGISTRY_DUPLICATE.severity,
                    f"{source.url} is already listed at {first.where}; read once",
                )
            )
    return findings


def scan_models_dir(directory: str | Path, shown: str) -> tuple[list[ModelSource], list[Finding]]:
    """Submission folders: ``<dir>/<name>/.eval_results`` or ``<dir>/<org>/<name>/.eval_results``.

    Nothing outside the repository holding ``directory`` (found lexically: a symlink does not move
    it) is read: a symlinked folder -- ``<dir>`` itself, a submission, its ``.eval_results`` --
    whose target leaves it is reported (``symlink-outside-repo``, at the severity lint gives it) and
    skipped, and the run goes on without it; symlinks that stay inside are followed."""
    from evalledger.lint.files import containment_root, is_outside

    root = Path(directory)
    limit = containment_root(str(root))
    findings: list[Finding] = []

    def inside(path: Path) -> bool:
        if not is_outside(str(path), limit):
            return True
        rel = path.relative_to(root).as_posix() if path != root else ""
        where = f"{shown.rstrip('/')}/{rel}".rstrip("/")
        target = os.readlink(path) if path.is_symlink() else os.path.realpath(path)
        findings.append(
            Finding(
                where,
                1,
                1,
                SYMLINK_OUTSIDE_REPO.id,
                SYMLINK_OUTSIDE_REPO.severity,
                f"symlinked folder points outside the repository ({target}); not read",
            )
        )
        return False

    found = []
    for child in sorted(root.iterdir()) if root.is_dir() and inside(root) else []:
        if not child.is_dir() or child.name.startswith(".") or not inside(child):
            continue
        if (child / RESULTS_DIR).is_dir():
            if inside(child / RESULTS_DIR):
                found.append(child)
            continue
        for grandchild in sorted(child.iterdir()):
            if (
                grandchild.is_dir()
                and (grandchild / RESULTS_DIR).is_dir()
                and inside(grandchild)
                and inside(grandchild / RESULTS_DIR)
            ):
                found.append(grandchild)
    sources = []
    for folder in found:
        model = folder.relative_to(root).as_posix()
        url = f"{shown.rstrip('/')}/{model}"
        sources.append(ModelSource(url=url, location=str(folder.resolve()), model=model, kind="dir", where=url))
    return sources, findings


def unique(sources: list[ModelSource]) -> list[ModelSource]:
    """Sources in a canonical order, each once: registry order must not change the output."""
    by_identity: dict[tuple[str, str, str, str], ModelSource] = {}
    for source in sources:
        by_identity.setdefault(source.identity, source)
    return sorted(by_identity.values(), key=lambda s: (s.model, s.url, s.ref or "", s.kind))
