"""``--benchmark``: which eval.yaml governs which results.

A benchmark spec is tied to a Hub dataset id in one of these ways (first match wins):

1. ``ID=PATH`` — explicit: ``--benchmark Idavidrein/gpqa=specs/gpqa/eval.yaml``;
2. a file named ``<org>__<name>__eval*.yaml`` (a flat folder of specs, as in our corpus)
   governs ``<org>/<name>``;
3. inside a folder given with ``--benchmark``, ``<org>/<name>/eval.yaml`` (two levels below
   it) governs ``<org>/<name>``;
4. any other single spec (``--benchmark eval.yaml`` in a benchmark repo, or a folder holding
   one ``eval.yaml``) governs every entry linted: "these results are all for this benchmark".

The policy file ``.evalledger.yaml`` beside an ``eval.yaml`` (or ``<org>__<name>__.evalledger.yaml``
beside a flat spec) supplies units and bounds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from evalledger.finding import Finding
from evalledger.formats.spec import SPEC_FILE_NAMES, Spec, load_spec
from evalledger.lint.rules.dataset import is_repo_id
from evalledger.policy import POLICY_FILE, BenchmarkPolicy, load_policy, read_policy, tasks_not_in_spec
from evalledger.yamlsource import DEFAULT_LIMITS, Limits

_FLAT_SPEC = re.compile(r"^(?P<org>[^_/][^/]*?)__(?P<name>[^/]+?)__eval[^/]*\.ya?ml$")


class BenchmarkError(ValueError):
    """A --benchmark argument that names nothing usable (the CLI exits 2)."""


def _is_spec_name(name: str) -> bool:
    return name.lower() in SPEC_FILE_NAMES or bool(_FLAT_SPEC.match(name))


def _candidates(folder: str) -> list[tuple[str, str | None]]:
    """(spec path, dataset id or None) for every spec below a folder."""
    found: list[tuple[str, str | None]] = []
    for directory, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not _is_spec_name(name):
                continue
            path = os.path.join(directory, name)
            flat = _FLAT_SPEC.match(name)
            if flat:
                found.append((path, f"{flat.group('org')}/{flat.group('name')}"))
                continue
            rel = os.path.relpath(directory, folder).replace(os.sep, "/")
            found.append((path, rel if rel.count("/") == 1 and is_repo_id(rel) else None))
    return found


def _policy_for(path: str) -> tuple[BenchmarkPolicy | None, list[Finding]]:
    """The policy beside a spec (and its problems); None when there is none."""
    directory, name = os.path.split(path)
    flat = _FLAT_SPEC.match(name)
    if flat:
        policy_path = os.path.join(directory, f"{flat.group('org')}__{flat.group('name')}__{POLICY_FILE}")
        if os.path.lexists(policy_path):
            return read_policy(policy_path)
        return None, []
    if os.path.lexists(os.path.join(directory or ".", POLICY_FILE)):
        return load_policy(directory or ".")
    return None, []


def load_benchmark(spec_path: str, *, limits: Limits = DEFAULT_LIMITS) -> tuple[Spec | None, list[Finding]]:
    """A spec with the policy beside it as ``Spec.policy`` (None when there is none), and the
    problems of both: the policy's own, and its ``tasks:`` keys that are not task ids of the spec
    (``policy.tasks_not_in_spec``). The one place a spec and its policy are read together: lint
    ``--benchmark``, migrate and aggregate. No policy is read when the spec cannot be."""
    spec, problems = load_spec(spec_path, limits=limits)
    if spec is None:
        return None, problems
    policy, policy_problems = policy_beside(spec)
    problems.extend(policy_problems)
    if policy is None:
        return spec, problems
    return spec.with_target(spec.dataset_id, policy), problems


def policy_beside(spec: Spec) -> tuple[BenchmarkPolicy | None, list[Finding]]:
    """The policy beside a spec that has been read (None when there is none) and its problems:
    its own, and its ``tasks:`` keys that are not task ids of the spec. What ``load_benchmark``
    adds to a spec; lint of an ``eval.yaml`` (check-eval-spec) reports these with the spec's."""
    policy, problems = _policy_for(spec.path)
    if policy is not None:
        problems = [*problems, *tasks_not_in_spec(policy, spec.task_ids, spec.path)]
    return policy, problems


def spec_beside(policy_path: str) -> str | None:
    """The ``eval.yaml`` (or ``eval.yml``) a ``.evalledger.yaml`` belongs to, None when there is none."""
    directory = os.path.dirname(policy_path)
    for name in SPEC_FILE_NAMES:
        path = os.path.join(directory, name)
        if os.path.lexists(path):
            return path
    return None


def resolve(arguments: Sequence[str], *, limits: Limits = DEFAULT_LIMITS) -> tuple[list[Spec], list[Finding]]:
    """Specs (each tied to a dataset id or to all entries) and problems reading them."""
    specs: list[Spec] = []
    problems: list[Finding] = []
    for argument in arguments:
        explicit = None
        path = argument
        if "=" in argument and not os.path.exists(argument):
            explicit, path = argument.split("=", 1)
            if not is_repo_id(explicit):
                raise BenchmarkError(f"--benchmark {argument!r}: {explicit!r} is not a dataset id (namespace/name)")
        if not os.path.exists(path):
            raise BenchmarkError(f"--benchmark {argument!r}: no such file or directory")
        if os.path.isdir(path):
            pairs = _candidates(path)
            if not pairs:
                raise BenchmarkError(f"--benchmark {argument!r}: no eval.yaml found in this folder")
            if explicit is not None and len(pairs) != 1:
                raise BenchmarkError(f"--benchmark {argument!r}: ID=PATH needs a single spec, found {len(pairs)}")
        else:
            flat = _FLAT_SPEC.match(os.path.basename(path))
            pairs = [(path, f"{flat.group('org')}/{flat.group('name')}" if flat else None)]
        for spec_path, dataset_id in pairs:
            spec, found = load_benchmark(spec_path, limits=limits)
            problems.extend(found)
            if spec is not None:
                specs.append(spec.with_target(explicit or dataset_id))
    return specs, problems
