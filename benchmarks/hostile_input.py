"""Hostile input is refused no slower than parsing a valid file of the same size.

Issue 2 asks that an alias bomb, 10,000-deep nesting, a 50 MB file, binary or non-UTF-8 bytes and
``!!python/object`` tags get a clear problem "no slower than parsing a valid file of the same size":
aliases, depth and size must be bounded *before* parsing runs away. For each hostile input this
lints it in-process (``lint_results_bytes``: decoding, loading, every per-file rule) and compares
with the peer, ``yaml.load(..., Loader=yaml.CSafeLoader)`` on a *valid* results file padded to the
same byte size. Each side is timed over enough repetitions to take ~0.2 s, median of --rounds
rounds run in alternating order.

Issue 7 asks the same of hostile *numbers*: a 2 MB `value` (or `task_id`) written as `0x` and hex
digits, as a YAML 1.1 sexagesimal `1:59:59:...` (one bignum multiplication per group: minutes of
CPU before Python refuses the result) or as plain digits must be refused from its length before
any conversion, by each of the three readers: lint (``lint_results_bytes``), audit (the reader of
one file version, ``audit.sources.BlobParser.parse``) and aggregate (``leaderboard.collect`` over a
model repo snapshot holding the file). Each is compared with the same peer, ``yaml.load`` of a valid
results file of the same size. Prints two tables; exits 1 when a ratio exceeds 1 or an input is
not reported.

    python benchmarks/hostile_input.py            # all cases, 5 rounds (the peer's parse of a
                                                  # valid 50 MB file takes about a minute a round)
    python benchmarks/hostile_input.py --rounds 3
    python benchmarks/hostile_input.py --only numbers   # the hostile numbers only
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable

import yaml

from evalledger.lint.api import lint_results_bytes

PATH = ".eval_results/hostile.yaml"
ENTRY = (
    b"- dataset:\n    id: Idavidrein/gpqa\n    task_id: diamond\n  value: 71.0\n"
    b"  source:\n    url: https://huggingface.co/org/model\n    name: Model Card\n"
)


LOADER_RULES = {
    "yaml-alias-limit",
    "yaml-depth-limit",
    "file-too-large",
    "binary-file",
    "not-utf8",
    "yaml-unsafe-tag",
    "yaml-syntax",
}


def valid_file_of_size(size: int) -> bytes:
    """A valid results file of exactly ``size`` bytes: whole entries, then a comment as padding."""
    body = ENTRY * max(1, size // len(ENTRY))
    body = body[: max(len(ENTRY), size - 2)] if len(body) > size else body
    while not body.endswith(b"\n"):
        body = body[:-1]
    padding = size - len(body)
    if padding >= 2:
        body += b"#" + b"x" * (padding - 2) + b"\n"
    return body


def alias_bomb() -> bytes:
    lines = [b"a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        refs = b", ".join([b"*a%d" % (level - 1)] * 10)
        lines.append(b"a%d: &a%d [%s]" % (level, level, refs))
    return b"\n".join(lines) + b"\n"


CASES: dict[str, Callable[[], bytes]] = {
    "alias bomb (10^10 nodes)": alias_bomb,
    "10,000-deep flow nesting": lambda: b"[" * 10_000 + b"]" * 10_000 + b"\n",
    "10,000-deep block nesting": lambda: b"- " * 10_000 + b"x\n",
    "50 MB file": lambda: ENTRY * (50 * 1024 * 1024 // len(ENTRY)),
    "binary (NUL bytes)": lambda: b"\x00\x01\x02" * 20_000,
    "non-UTF-8": lambda: ENTRY * 500 + b"- caf\xe9\n",
    "!!python/object tags": lambda: b"- !!python/object/apply:os.system ['echo pwned']\n" * 1_000,
}


def _time(action: Callable[[], object], budget: float = 0.2) -> float:
    """Seconds per call, repeating until ``budget`` seconds have passed (at least once)."""
    calls, start = 0, time.perf_counter()
    while True:
        action()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= budget:
            return elapsed / calls


def _peer(data: bytes) -> Callable[[], object]:
    return lambda: yaml.load(data, Loader=yaml.CSafeLoader)


# just under the 2 MiB file limit, so the file is parsed, not refused for its size
_NUMBER_BYTES = 2 * 1024 * 1024 - 100
NUMBERS: dict[str, tuple[str, str]] = {  # name -> (field, number text)
    "value: 0x + hex digits": ("value", "0x" + "f" * _NUMBER_BYTES),
    "value: sexagesimal 1:59:..": ("value", "1" + ":59" * (_NUMBER_BYTES // 3)),
    "value: decimal digits": ("value", "1" + "0" * _NUMBER_BYTES),
    "task_id: sexagesimal": ("task_id", "1" + ":59" * (_NUMBER_BYTES // 3)),
}


def number_file(field: str, number: str) -> bytes:
    task, value = (number, "71.0") if field == "task_id" else ("diamond", number)
    return f"- dataset:\n    id: Idavidrein/gpqa\n    task_id: {task}\n  value: {value}\n".encode()


def _readers(data: bytes) -> dict[str, Callable[[], str]]:
    """Each tool's reader over one file, returning what it made of the file (shown in the table)."""
    from evalledger.audit.sources import BlobParser
    from evalledger.leaderboard.collect import collect
    from evalledger.leaderboard.fetch import RefFiles, Snapshot
    from evalledger.leaderboard.sources import ModelSource
    from evalledger.policy import BenchmarkPolicy

    snapshot = Snapshot(
        ModelSource(url="https://example.org/m", location="/nowhere", model="org/m"),
        (RefFiles("HEAD", "0" * 40, 0, False, ((PATH, data),)),),
    )

    def lint() -> str:
        _, findings = lint_results_bytes(data, PATH)
        return ",".join(sorted({f.rule for f in findings if f.severity == "error"})) or "(no finding!)"

    def audit() -> str:
        parsed = BlobParser().parse(PATH, data)  # a fresh parser: no item parsed before
        if parsed.problem:
            return "(unreadable!)"
        return f"{len(parsed.entries)} entry, value {parsed.entries[0].value}" if parsed.entries else "0 entries"

    def aggregate() -> str:
        got = collect(
            snapshot, benchmark_id="Idavidrein/gpqa", task_ids=frozenset({"diamond"}), policy=BenchmarkPolicy()
        )
        return ",".join(r["rule"] for r in got.rejected) or "(accepted!)"

    return {"lint": lint, "audit": audit, "aggregate": aggregate}


# what each reader must make of a hostile number: lint and aggregate reject the entry, the audit
# keeps the entry without a value (value) or has no key for it (task_id)
EXPECTED = {
    "value": {"lint": "value-not-finite", "audit": "1 entry, value None", "aggregate": "value-not-finite"},
    "task_id": {"lint": "wrong-type", "audit": "0 entries", "aggregate": "wrong-type"},
}


def numbers(rounds: int) -> bool:
    """Time each reader on each hostile number against the peer; print the table; True if a target
    was missed."""
    rows, missed = [], False
    for name, (field, number) in NUMBERS.items():
        hostile = number_file(field, number)
        valid = valid_file_of_size(len(hostile))
        assert yaml.load(valid, Loader=yaml.CSafeLoader), "the peer input must be valid YAML"
        readers = _readers(hostile)
        outcomes = {tool: read() for tool, read in readers.items()}
        times: dict[str, list[float]] = {tool: [] for tool in readers}
        ratios: dict[str, list[float]] = {tool: [] for tool in readers}
        peer_times = []
        for round_ in range(rounds):
            order = [*readers.items(), ("peer", _peer(valid))]
            if round_ % 2:
                order.reverse()
            timed = {label: _time(action) for label, action in order}
            peer_times.append(timed["peer"])
            for tool in readers:
                times[tool].append(timed[tool])
                ratios[tool].append(timed[tool] / timed["peer"])
        for tool in readers:
            ratio = statistics.median(ratios[tool])
            ok = outcomes[tool] == EXPECTED[field][tool]
            missed |= ratio > 1.0 or not ok
            rows.append(
                (
                    name,
                    f"{len(hostile):,}",
                    tool,
                    outcomes[tool] + ("" if ok else " (unexpected!)"),
                    statistics.median(times[tool]),
                    statistics.median(peer_times),
                    ratio,
                )
            )
    print(
        f"{'hostile number (2 MB file)':<28} {'bytes':>11}  {'tool':<9} {'outcome':<22} {'time':>10}"
        f" {'parse valid':>12} {'ratio':>7}"
    )
    for name, size, tool, outcome, ours, theirs, ratio in rows:
        print(
            f"{name:<28} {size:>11}  {tool:<9} {outcome:<22} {ours * 1e3:>8.3f}ms {theirs * 1e3:>10.3f}ms {ratio:>7.4f}"
        )
    print("target: every ratio <= 1 (each tool reads a hostile number no slower than parsing valid input of its size)")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--only",
        choices=("loader", "numbers"),
        help="run one table: the loader's hostile inputs, or the hostile numbers",
    )
    args = parser.parse_args(argv)
    missed = False
    if args.only != "loader":
        missed |= numbers(args.rounds)
        if args.only == "numbers":
            return 1 if missed else 0
        print()
    rows = []
    for name, make in CASES.items():
        hostile = make()
        valid = valid_file_of_size(len(hostile))
        assert yaml.load(valid, Loader=yaml.CSafeLoader), "the peer input must be valid YAML"
        entries, findings = lint_results_bytes(hostile, PATH)
        # the input-level problem (the loader's), not the shape rules that follow from it
        loader_rules = [f.rule for f in findings if f.rule in LOADER_RULES]
        rule = loader_rules[0] if loader_rules else "(no finding!)"
        ratios, ours, theirs = [], [], []
        for round_ in range(args.rounds):
            pair = [("ours", functools.partial(lint_results_bytes, hostile, PATH)), ("peer", _peer(valid))]
            if round_ % 2:
                pair.reverse()
            timed = {label: _time(action) for label, action in pair}
            ours.append(timed["ours"])
            theirs.append(timed["peer"])
            ratios.append(timed["ours"] / timed["peer"])
        ratio = statistics.median(ratios)
        missed |= ratio > 1.0 or not loader_rules
        rows.append((name, f"{len(hostile):,}", rule, statistics.median(ours), statistics.median(theirs), ratio))
    print(f"{'input':<28} {'bytes':>12}  {'finding':<18} {'lint':>10} {'parse valid':>12} {'ratio':>7}")
    for name, size, rule, ours, theirs, ratio in rows:
        print(f"{name:<28} {size:>12}  {rule:<18} {ours * 1e3:>8.3f}ms {theirs * 1e3:>10.3f}ms {ratio:>7.4f}")
    print("target: every ratio <= 1 (lint of hostile input no slower than parsing valid input of its size)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
