"""Collecting `.eval_results` from many model repos: our partial fetch vs a full clone of each.

    python benchmarks/aggregate_fetch.py              # 1,000 repos, 10 results, 50 commits each
    python benchmarks/aggregate_fetch.py --repos 100  # quick run

Each generated model repo (``git fast-import``, bare, served over ``file://``) has 10 result files
under `.eval_results/`, 50 commits of history that edit them, and the files a model repo also
carries (README, config, tokenizer, a weights file rewritten every 5th commit), so cloning it
costs what cloning a model repo costs.

Measured, with the same number of parallel jobs on both sides:

1. bytes: pack files our cache received vs the bytes of the `.eval_results` files   target <= 3x
2. time: `git clone` of every repo / our fetch of every repo (cold cache)           target >= 5x
3. also shown: a second run that reuses the cache (the scheduled-Action case)

Prints a table and exits 1 when a target is missed. The full size needs about 25 GB of free disk
(the clones are real copies; the generated repos share one hard-linked weights pack) and ~6 min.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from evalledger.leaderboard.fetch import FetchOptions, cache_bytes, fetch_all
from evalledger.leaderboard.sources import ModelSource

TASKS = ["diamond", "hle", "mmlu_pro", "gsm8k", "aime", "swe_bench", "ifeval", "math", "arc", "mmmu"]


def result_yaml(task: str, value: float, commit: int) -> bytes:
    return (
        f"- dataset:\n    id: acme/{task}\n    task_id: {task}\n  value: {value}\n"
        f"  date: '2026-01-{1 + commit % 28:02d}'\n  source:\n    url: https://example.org/runs/{task}/{commit}\n"
        f"    name: Eval traces\n"
    ).encode()


WEIGHT_VERSIONS = 10


def make_weights(path: Path, weights_kb: int) -> list[str]:
    """A pack of WEIGHT_VERSIONS random weight files (blob ids returned) that every model repo gets
    as a hard link in its own ``objects/pack``: to git it is each repo's own pack (clones copy every
    byte of it), but the generator writes it once instead of 1,000 times."""
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    out = bytearray()
    oids = []
    for version in range(WEIGHT_VERSIONS):
        data = os.urandom(weights_kb * 1024)
        oids.append(hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest())
        out.extend(f"blob\nmark :{version + 1}\ndata {len(data)}\n".encode() + data + b"\n")
    # level 0: random bytes do not compress; clones copy the stored objects as they are
    subprocess.run(
        ["git", "-c", "pack.compression=0", "-c", "fastimport.unpackLimit=0", "fast-import", "--quiet"],
        cwd=path,
        input=bytes(out),
        check=True,
    )
    return oids


def generate(path: Path, commits: int, results: int, weights: list[str], store: Path, seed: int) -> int:
    """One bare model repo; returns the bytes of its `.eval_results` files at HEAD."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(path)], check=True)
    for pack in (store / "objects" / "pack").iterdir():
        os.link(pack, path / "objects" / "pack" / pack.name)
    current: dict[str, bytes] = {}
    out = bytearray()
    when = 1_767_225_600 + seed

    def inline(name: str, data: bytes) -> None:
        out.extend(f"M 100644 inline {name}\ndata {len(data)}\n".encode())
        out.extend(data)
        out.extend(b"\n")

    for i in range(commits):
        message = f"update {i}".encode()
        out.extend(
            f"commit refs/heads/main\nmark :{i + 1}\n"
            f"author Dev <dev@example.com> {when + i * 600} +0000\n"
            f"committer Dev <dev@example.com> {when + i * 600} +0000\n"
            f"data {len(message)}\n".encode()
            + message
            + b"\n"
        )
        if i:
            out.extend(f"from :{i}\n".encode())
        if i == 0:
            for k in range(results):
                task = TASKS[k % len(TASKS)] + ("" if k < len(TASKS) else str(k))
                current[f".eval_results/{task}.yaml"] = result_yaml(task, round(rng.uniform(20, 90), 2), 0)
            for name, data in current.items():
                inline(name, data)
            inline("config.json", b'{"architectures": ["LlamaForCausalLM"], "hidden_size": 4096}\n' * 8)
            inline("tokenizer.json", rng.randbytes(4096))
        else:
            name = sorted(current)[i % len(current)]
            task = name.split("/")[1][:-5]
            current[name] = result_yaml(task, round(rng.uniform(20, 90), 2), i)
            inline(name, current[name])
        if i % 5 == 0:
            version = (i // 5 + seed) % len(weights)
            out.extend(f"M 100644 {weights[version]} model.safetensors\n".encode())
            inline("README.md", f"# model {seed}\n\nRevision {i}.\n".encode() * 20)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(out), check=True)
    return sum(len(v) for v in current.values())


def dir_bytes(paths: list[Path]) -> int:
    total = 0
    for root in paths:
        for path in root.rglob("*"):
            if path.is_file() and "objects" in path.parts:
                total += path.stat().st_size
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--results", type=int, default=10)
    parser.add_argument("--commits", type=int, default=50)
    parser.add_argument(
        "--weights-kb",
        type=int,
        default=2048,
        help=f"size of the weights file, rewritten {WEIGHT_VERSIONS} times in the history",
    )
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="evalledger-fetch-"))
    home = work / "home"
    home.mkdir()
    (home / ".gitconfig").write_text('[protocol "file"]\n\tallow = always\n')
    os.environ.update({"HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"})
    try:
        start = time.perf_counter()
        repos = [work / "models" / f"model{i:05d}.git" for i in range(args.repos)]
        (work / "models").mkdir()
        store = work / "weights.git"
        weights = make_weights(store, args.weights_kb)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            eval_bytes = sum(
                pool.map(lambda p: generate(p[1], args.commits, args.results, weights, store, p[0]), enumerate(repos))
            )
        repo_bytes = dir_bytes(repos)
        print(
            f"generated {args.repos} repos ({repo_bytes / 1e6:.1f} MB of objects, weights hard-linked) in "
            f"{time.perf_counter() - start:.1f}s",
            file=sys.stderr,
        )
        sources = [ModelSource(url=p.as_uri(), location=p.as_uri(), model=p.stem) for p in repos]

        cache = work / "cache"
        options = FetchOptions(cache_dir=cache)
        start = time.perf_counter()
        snapshots = fetch_all(sources, options, args.jobs)
        ours = time.perf_counter() - start
        errors = [s for s in snapshots if s.error]
        files = sum(len(r.files) for s in snapshots for r in s.refs)
        read_bytes = sum(len(d) for s in snapshots for r in s.refs for _, d in r.files)
        fetched = sum(cache_bytes(cache))
        start = time.perf_counter()
        fetch_all(sources, options, args.jobs)
        again = time.perf_counter() - start

        clones = work / "clones"
        clones.mkdir()

        def clone(path: Path) -> None:
            subprocess.run(
                ["git", "clone", "-q", path.as_uri(), str(clones / path.stem)], check=True, capture_output=True
            )

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            list(pool.map(clone, repos))
        full = time.perf_counter() - start
        clone_bytes = dir_bytes([clones / p.stem / ".git" for p in repos])
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}", file=sys.stderr)

    ok_read = not errors and files == args.repos * args.results and read_bytes == eval_bytes
    ratio_bytes = fetched / eval_bytes
    speedup = full / ours
    rows = [
        ("repos / result files read", f"{args.repos} / {files}", "all, no errors", ok_read),
        (".eval_results bytes (HEAD)", f"{eval_bytes:,}", "", True),
        ("our cache: pack bytes fetched", f"{fetched:,}", "", True),
        ("  / .eval_results bytes", f"{ratio_bytes:.2f}x", "<= 3x", ratio_bytes <= 3),
        ("full clones: object bytes", f"{clone_bytes:,}", "", True),
        (f"our fetch, cold cache ({args.jobs} jobs)", f"{ours:.2f}s", "", True),
        ("our fetch, warm cache (next run)", f"{again:.2f}s", "", True),
        (f"git clone of every repo ({args.jobs} jobs)", f"{full:.2f}s", "", True),
        ("  clone time / our time", f"{speedup:.1f}x", ">= 5x", speedup >= 5),
    ]
    print(f"{'measure':<40} {'value':>16}  {'target':<14} ok")
    for name, value, target, good in rows:
        print(f"{name:<40} {value:>16}  {target:<14} {'yes' if good else 'NO'}")
    if errors:
        print(f"first error: {errors[0].source.url}: {errors[0].error}", file=sys.stderr)
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
