"""Peak memory of `aggregate` over a model repo whose result files are huge but compress well.

    python benchmarks/aggregate_memory.py                 # six 300 MB YAML blobs (~18 MB packed)
    python benchmarks/aggregate_memory.py --blob-mb 50    # quick run

The model repo (``git fast-import``, bare, served over ``file://``) holds one ordinary result file
and six `.eval_results/huge-N.yaml` blobs of repetitive result YAML, each far over the 2 MiB
limit: a hostile or careless repo that is ~18 MB to download and 1.8 GB to read. Measured, each
in a fresh wrapper process (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``: the largest
process of the tree, git included, since every process in it is reaped by its parent):

1. `evalledger aggregate` (cold cache) over a benchmark listing that repo      target <= 200 MB
2. the peer: `git clone --filter=blob:none` of the same repo (what a tool that checks the files
   out and then reads them needs before reading anything)

Prints the figures and the ratio; exits 1 when the target is missed or the run is wrong (the
ordinary result must be on the board and each huge file rejected as `file-too-large`, unread).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 200

_ENTRY = (
    "- dataset:\n    id: acme/bench\n    task_id: beta\n  value: 1.5\n  date: '2026-01-02'\n"
    "  source:\n    url: https://example.org/runs/x\n    name: Eval traces\n"
)

_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.monotonic()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
print(json.dumps({"code": proc.returncode, "seconds": time.monotonic() - start,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stdout": proc.stdout.decode("utf-8", "replace"),
                  "stderr": proc.stderr.decode("utf-8", "replace")[-2000:]}))
"""


def unit(size: int, seed: int) -> bytes:
    """Result YAML whose every 40th entry carries a random run URL: fast-import's streaming
    compression packs six 300 MB files to ~18 MB (about 100:1)."""
    rng = random.Random(seed)
    out, total, i = [], 0, 0
    while total < size:
        text = _ENTRY if i % 40 else _ENTRY.replace("runs/x", f"runs/{rng.getrandbits(64):016x}")
        out.append(text)
        total += len(text)
        i += 1
    return "".join(out).encode()[: size - size % len(_ENTRY)] if size >= len(_ENTRY) else b""


def build_model(path: Path, blobs: int, blob_bytes: int) -> None:
    """One commit: README, config, a small weights file, ok.yaml and ``blobs`` huge YAML files,
    streamed into fast-import (no 300 MB string is ever built here)."""
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(path)], check=True)
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--big-file-threshold=1m"], cwd=path, stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    write = proc.stdin.write
    chunk = unit(4 << 20, 1)
    ok = (_ENTRY.replace("beta", "alpha").replace("1.5", "71.5")).encode()

    def blob(mark: int, data: bytes) -> None:
        write(f"blob\nmark :{mark}\ndata {len(data)}\n".encode() + data + b"\n")

    blob(1, b"# model\n")
    blob(2, b'{"architectures": ["LlamaForCausalLM"]}\n')
    blob(3, os.urandom(64 << 10))
    blob(4, ok)
    for n in range(blobs):
        header = f"# huge file {n}\n".encode()
        body = blob_bytes - len(header)
        write(f"blob\nmark :{10 + n}\ndata {body + len(header)}\n".encode() + header)
        left = body
        while left > 0:
            piece = chunk[:left]
            write(piece)
            left -= len(piece)
        write(b"\n")
    message = b"results\n"
    write(
        b"commit refs/heads/main\nmark :100\nauthor Dev <dev@example.com> 1767225600 +0000\n"
        b"committer Dev <dev@example.com> 1767225600 +0000\n" + f"data {len(message)}\n".encode() + message
    )
    for mark, name in ((1, "README.md"), (2, "config.json"), (3, "model.safetensors"), (4, ".eval_results/ok.yaml")):
        write(f"M 100644 :{mark} {name}\n".encode())
    for n in range(blobs):
        write(f"M 100644 :{10 + n} .eval_results/huge-{n}.yaml\n".encode())
    write(b"\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("fast-import failed")


def build_benchmark(path: Path, model_url: str) -> None:
    path.mkdir()
    (path / "eval.yaml").write_text(
        "name: Bench\nevaluation_framework: inspect-ai\ntasks:\n"
        "  - id: alpha\n    config: default\n    split: test\n"
        "  - id: beta\n    config: default\n    split: test\n"
    )
    (path / "models.txt").write_text(f"{model_url} - acme/huge\n")


def measured(argv: list[str], cwd: Path, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *argv], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def packed_bytes(repo: Path) -> int:
    return sum(p.stat().st_size for p in (repo / "objects").rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blobs", type=int, default=6)
    parser.add_argument("--blob-mb", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the generated repos")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="evalledger-memory-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "XDG_CACHE_HOME": str(work / "xdg"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(work / "gitconfig"),
    }
    (work / "gitconfig").write_text('[protocol "file"]\n\tallow = always\n')
    try:
        started = time.monotonic()
        model = work / "model.git"
        build_model(model, args.blobs, args.blob_mb << 20)
        build_benchmark(work / "bench", model.as_uri())
        print(
            f"model repo: {args.blobs} x {args.blob_mb} MB result blobs + 1 ordinary result, "
            f"{packed_bytes(model) / 1e6:.1f} MB on disk (built in {time.monotonic() - started:.0f} s)"
        )

        ours = measured(
            [
                sys.executable,
                "-m",
                "evalledger",
                "aggregate",
                "--repo",
                str(work / "bench"),
                "--models",
                str(work / "bench" / "models.txt"),
                "--benchmark-id",
                "acme/bench",
                "--cache-dir",
                str(work / "cache"),
                "--jobs",
                "4",
                "--no-card",
                "--format",
                "json",
            ],
            work,
            env,
        )
        doc = json.loads(ours["stdout"]) if ours["stdout"].startswith("{") else {}
        problems = []
        if ours["code"] != 0 or not doc:
            problems.append(f"aggregate exited {ours['code']}: {ours['stderr'].strip()[-500:]}")
        else:
            rejected = sorted((r["file"], r["rule"]) for r in doc["rejected"])
            wanted = sorted((f".eval_results/huge-{n}.yaml", "file-too-large") for n in range(args.blobs))
            if rejected != wanted or doc["rows"] != 1 or doc["unreachable"]:
                problems.append(
                    f"wrong result: rows={doc['rows']} rejected={rejected} unreachable={doc['unreachable']}"
                )

        peer = measured(["git", "clone", "-q", "--filter=blob:none", model.as_uri(), str(work / "clone")], work, env)
        if peer["code"] != 0:
            problems.append(f"git clone exited {peer['code']}: {peer['stderr'].strip()[-500:]}")
        shutil.rmtree(work / "clone", ignore_errors=True)

        ours_mb, peer_mb = ours["maxrss_kb"] / 1024, peer["maxrss_kb"] / 1024
        print(f"{'':42} {'peak RSS':>10} {'time':>8}")
        print(
            f"{'evalledger aggregate (cold cache)':42} {ours_mb:>7.0f} MB {ours['seconds']:>6.1f} s"
            f"   target <= {TARGET_MB} MB"
        )
        print(f"{'git clone --filter=blob:none (peer)':42} {peer_mb:>7.0f} MB {peer['seconds']:>6.1f} s")
        print(f"peak RSS: aggregate uses {peer_mb / ours_mb:.1f}x less than the peer")
        if ours_mb > TARGET_MB:
            problems.append(f"peak RSS {ours_mb:.0f} MB is over the {TARGET_MB} MB target")
        for problem in problems:
            print(f"FAIL: {problem}")
        return 1 if problems else 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
