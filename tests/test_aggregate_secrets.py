"""Credentials: a Hub token from the environment reads gated model repos over a real smart-HTTP
server (git http-backend, protocol v2, partial clone), and no secret reaches output, files or argv.

The "Hub" is a GitHttpServer on 127.0.0.1 named by HF_ENDPOINT, with a gated repo (Bearer token
required) and a public one; a second server stands for any other host. aggregate runs as a real
process (``python -m evalledger``); every git process it starts, children included (git-remote-http,
index-pack...), records its argv with git's own trace2 (GIT_TRACE2_EVENT, one file per process), so
"the token is in no argv" is checked for all of them, not for a sample.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalledger import git
from githttp import GitHttpServer
from test_aggregate_support import BENCH_ID, World, entry, read_csv

ROOT_DIR = Path(__file__).resolve().parent.parent


def _token() -> str:
    return "hf_" + secrets.token_hex(16)  # fresh per test: it can only appear where we leaked it


class Scene:
    """A benchmark repo, a Hub (gated + public repo) and another host, all real."""

    def __init__(self, tmp: Path, token: str, *, other_basic: tuple[str, str] | None = None) -> None:
        self.tmp = tmp
        self.token = token
        self.world = World(tmp)
        self.world.model("gated", {".eval_results/r.yaml": entry("alpha", 81.5)})
        self.world.model("public", {".eval_results/r.yaml": entry("alpha", 70.0)})
        self.world.model("elsewhere", {".eval_results/r.yaml": entry("alpha", 60.0)})
        self.hub = GitHttpServer(tmp / "hub", bearer=token, gated={"org/gated"}).start()
        self.other = GitHttpServer(tmp / "other", basic={"team/model": other_basic} if other_basic else None).start()
        self.hub.add_repo("org/gated", tmp / "models" / "gated.git")
        self.hub.add_repo("org/public", tmp / "models" / "public.git")
        self.other.add_repo("team/model", tmp / "models" / "elsewhere.git")
        self.trace = tmp / "trace2"
        self.trace.mkdir()
        self.registry(
            [
                f"{self.hub.url('org/gated')} - org/gated",
                f"{self.hub.url('org/public')} - org/public",
                f"{self.other.url('team/model')} - team/model",
            ]
        )

    def registry(self, lines: list[str], name: str = "models.txt") -> Path:
        path = self.world.bench.write(name, "".join(line + "\n" for line in lines))
        self.world.bench.commit("registry")
        return path

    def close(self) -> None:
        self.hub.stop()
        self.other.stop()

    def run(
        self, *args: str, env: dict[str, str] | None = None, registry: str = "models.txt", fmt: str = "json"
    ) -> tuple[int, str, str]:
        full = {
            **os.environ,
            "HF_ENDPOINT": self.hub.base,
            "GIT_TRACE2_EVENT": str(self.trace),
            "XDG_CACHE_HOME": str(self.tmp / "xdg"),
            **(env or {}),
        }
        full = {k: v for k, v in full.items() if v is not None}
        argv = [
            sys.executable,
            "-m",
            "evalledger",
            "aggregate",
            "--repo",
            str(self.world.bench.path),
            "--models",
            str(self.world.bench.path / registry),
            "--benchmark-id",
            BENCH_ID,
            "--cache-dir",
            str(self.tmp / "cache"),
            f"--format={fmt}",
            "--jobs",
            "2",
            *args,
        ]
        proc = subprocess.run(argv, capture_output=True, text=True, env=full, timeout=300)
        return proc.returncode, proc.stdout, proc.stderr

    def git_argvs(self) -> list[list[str]]:
        """argv of every git process started so far (trace2 "start" events)."""
        argvs = []
        for path in sorted(self.trace.iterdir()):
            for line in path.read_text(errors="replace").splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get("event") == "start":
                    argvs.append(event["argv"])
        return argvs


@pytest.fixture
def scene(tmp_path):
    made: list[Scene] = []

    def make(token: str | None = None, **kwargs) -> Scene:
        made.append(Scene(tmp_path, token or _token(), **kwargs))
        return made[-1]

    yield make
    for s in made:
        s.close()


def files_containing(root: Path, needle: str) -> list[str]:
    """Every file under ``root`` whose bytes contain ``needle`` (all files: config, packs, logs)."""
    data = needle.encode()
    return [str(p) for p in root.rglob("*") if p.is_file() and not p.is_symlink() and data in p.read_bytes()]


def objects_containing(repo: Path, needle: str) -> bool:
    """Whether any object of ``repo`` (decompressed: packs are zlib) contains ``needle``."""
    out = subprocess.run(["git", "cat-file", "--batch", "--batch-all-objects"], cwd=repo, capture_output=True).stdout
    return needle.encode() in out


def test_gated_repo_is_read_with_the_token_and_the_token_is_nowhere(scene):
    s = scene()
    code, out, err = s.run("--commit", "--audit", env={"HF_TOKEN": s.token})
    assert code == 0, err
    doc = json.loads(out)
    assert doc["unreachable"] == [] and doc["fetched"] == 3
    rows = {r["model"]: r for r in read_csv(s.world.bench.path / "leaderboard" / "leaderboard.csv")}
    assert rows["org/gated"]["value"] == "81.5" and rows["org/gated"]["model_repo"] == s.hub.url("org/gated")
    assert set(rows) == {"org/gated", "org/public", "team/model"}
    # really over smart HTTP, protocol v2, and the gated repo's requests carried the bearer token
    gated = [r for r in s.hub.requests if r.path.startswith("/org/gated/")]
    assert gated and all(r.git_protocol == "version=2" for r in gated)
    assert {r.status for r in gated} == {200} and {r.authorization for r in gated} == {f"Bearer {s.token}"}
    assert any(r.path.endswith("/git-upload-pack") for r in gated)
    # ... and the other host never saw it (nor any Authorization at all)
    assert s.other.requests and {r.authorization for r in s.other.requests} == {None}

    # the token is in no output, no committed file, no cache file, no process argv
    assert s.token not in out and s.token not in err
    assert files_containing(s.world.bench.path, s.token) == []
    assert not objects_containing(s.world.bench.path, s.token)
    assert files_containing(s.tmp / "cache", s.token) == []
    assert (s.tmp / "cache").is_dir() and any((s.tmp / "cache").glob("*.history"))  # --audit cloned too
    argvs = s.git_argvs()
    remote_helpers = [a for a in argvs if a and a[0].endswith("remote-http")]
    assert remote_helpers and any(s.hub.url("org/gated") in " ".join(a) for a in remote_helpers)
    assert any("clone" in a for a in argvs)  # the history clone of --audit
    assert [a for a in argvs if any(s.token in part for part in a)] == []
    # the second run (warm cache: fetch, no blob request) is as clean
    code, out, err = s.run(env={"HF_TOKEN": s.token})
    assert code == 0 and json.loads(out)["fetched"] == 3
    assert s.token not in out + err and files_containing(s.tmp / "cache", s.token) == []
    assert [a for a in s.git_argvs() if any(s.token in part for part in a)] == []


def test_without_a_token_the_gated_repo_says_a_token_is_needed(scene):
    s = scene()
    code, out, err = s.run(env={"HF_TOKEN": None}, fmt="text")
    assert code == 0, err
    [line] = [x for x in out.splitlines() if "model-repo-unreachable" in x]
    assert line.startswith(f"{s.world.bench.path / 'models.txt'}:1: warning model-repo-unreachable")
    assert "HTTP 401" in line and "a token is needed" in line and "set HF_TOKEN" in line
    assert "leaderboard: 2 rows" in out  # the public repos are read as before
    code, out, err = s.run("--strict", env={"HF_TOKEN": None})
    assert code == 1
    [down] = json.loads(out)["unreachable"]
    assert down["model"] == "org/gated" and "set HF_TOKEN" in down["message"]


def test_a_refused_token_says_so_naming_the_variable_and_is_not_echoed(scene):
    s = scene()
    wrong = _token()
    code, out, err = s.run("--token-env", "MY_HUB_TOKEN", env={"MY_HUB_TOKEN": wrong, "HF_TOKEN": None})
    assert code == 0, err
    [down] = json.loads(out)["unreachable"]
    assert "HTTP 403" in down["message"] and "the token in MY_HUB_TOKEN was not accepted" in down["message"]
    assert [r.authorization for r in s.hub.requests if r.path.startswith("/org/gated/")] == [f"Bearer {wrong}"]
    assert wrong not in out + err and files_containing(s.tmp / "cache", wrong) == []


def test_other_hosts_keep_git_credential_helpers_and_never_get_the_hub_token(scene, tmp_path):
    s = scene(other_basic=("alice", "s3cret-basic"))
    # without a helper: the other host's 401 points at credential helpers, not at HF_TOKEN
    code, out, err = s.run(env={"HF_TOKEN": s.token})
    [down] = json.loads(out)["unreachable"]
    assert down["model"] == "team/model" and "configure a git credential helper" in down["message"]
    # with git's store helper in the user's config, the same run reads it
    store = tmp_path / "git-credentials"
    store.write_text(f"http://alice:s3cret-basic@{s.other.base.split('://')[1]}\n")
    with open(os.environ["GIT_CONFIG_GLOBAL"], "a") as config:
        config.write(f"[credential]\n\thelper = store --file={store}\n")
    code, out, err = s.run(env={"HF_TOKEN": s.token})
    assert code == 0 and json.loads(out)["unreachable"] == [], out + err
    assert all(not (r.authorization or "").startswith("Bearer") for r in s.other.requests)
    assert any((r.authorization or "").startswith("Basic") and r.status == 200 for r in s.other.requests)
    assert all(not (r.authorization or "").startswith("Basic") for r in s.hub.requests)
    assert "s3cret-basic" not in out + err and s.token not in out + err


def test_an_explicit_token_variable_must_be_set(scene):
    s = scene()
    code, out, err = s.run("--token-env", "NOT_SET_ANYWHERE", env={"NOT_SET_ANYWHERE": None})
    assert code == 2 and "--token-env NOT_SET_ANYWHERE: the variable is not set" in err
    assert not (s.tmp / "cache").exists()


def test_a_token_with_a_newline_is_refused_without_echoing_it(scene):
    s = scene()
    bad = s.token + "\nX-Injected: 1"
    code, out, err = s.run(env={"HF_TOKEN": bad})
    assert code == 2 and "the token in HF_TOKEN contains spaces or control characters" in err
    assert s.token not in out + err and not s.hub.requests


def test_credentials_in_hf_endpoint_are_refused_unechoed(scene):
    s = scene()
    code, out, err = s.run(env={"HF_TOKEN": s.token, "HF_ENDPOINT": s.hub.base.replace("://", f"://u:{s.token}@")})
    assert code == 2 and "HF_ENDPOINT must not contain credentials" in err
    assert s.token not in out + err


# -- credentials in a registry URL: refused at file:line:col, never echoed -----------------------
# Each test looks at one place the URL used to be written verbatim (on d495ef0 every one of them
# held the token): the run now stops with exit 2 before anything is fetched or written.


def _with_credentials(s: Scene, name: str = "models.txt") -> tuple[Path, str]:
    """A registry whose 2nd line reads the public Hub repo (reachable!) with user:token@."""
    url = s.hub.url("org/public").replace("://", f"://user:{s.token}@")
    path = s.registry(["# models", f"  {url}  -  org/public"], name)
    return path, url


def _assert_refused(s: Scene, code: int, out: str, err: str, where: str) -> None:
    assert code == 2, out + err
    masked = s.hub.url("org/public").replace("://", "://***@")
    assert f"{where}: error registry-invalid credentials in URL {masked}:" in err
    assert s.token not in out + err
    assert not s.hub.requests  # nothing was fetched


def test_registry_credentials_never_reach_the_csv_tables(scene):
    s = scene()
    path, _ = _with_credentials(s)
    head = s.world.bench.head()
    code, out, err = s.run("--commit", fmt="text")
    for table in ("leaderboard.csv", "candidates.csv"):
        file = s.world.bench.path / "leaderboard" / table
        assert not file.exists() or s.token not in file.read_text(), f"the token is in {table}"
    assert s.world.bench.head() == head  # nothing committed
    _assert_refused(s, code, out, err, f"{path}:2:3")


def test_registry_credentials_never_reach_the_unreachable_warning(scene):
    s = scene()
    url = s.other.url("gone/model").replace("://", f"://me:{s.token}@")  # a repo that does not exist
    path = s.registry([f"{url} - gone/model"])
    for fmt in ("text", "github"):
        code, out, err = s.run(fmt=fmt)
        assert s.token not in out + err, f"the token is in the {fmt} output"
        assert code == 2 and f"{path}:1:1: error registry-invalid credentials in URL" in err
        assert "model-repo-unreachable" not in out


def test_registry_credentials_never_reach_the_json_result(scene):
    s = scene()
    url = s.other.url("gone/model").replace("://", f"://{s.token}@")  # a bare token is a credential too
    path = s.registry([f"- url: {url}", "  model: gone/model"], "models.yaml")
    code, out, err = s.run(registry="models.yaml")
    assert s.token not in out, "the token is in the JSON result"
    assert s.token not in err
    assert code == 2 and f"{path}:1:8: error registry-invalid credentials in URL" in err


def test_registry_credentials_never_reach_the_cache_config(scene):
    s = scene()
    path, _ = _with_credentials(s)
    code, out, err = s.run()
    cache = s.tmp / "cache"
    assert not cache.exists() or files_containing(cache, s.token) == []
    _assert_refused(s, code, out, err, f"{path}:2:3")


def test_registry_credentials_never_reach_the_job_summary(scene, tmp_path):
    from evalledger import action
    from test_action_unit import env

    s = scene()
    url = s.other.url("gone/model").replace("://", f"://me:{s.token}@")  # listed as unreachable before
    s.registry([f"{url} - gone/model", f"{s.hub.url('org/public')} - org/public"])
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    environ = {
        **os.environ,
        **env(
            working_directory=str(s.world.bench.path),
            models="models.txt",
            benchmark_id=BENCH_ID,
            commit="false",
            cache_dir=str(tmp_path / "cache"),
        ),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_WORKSPACE": "/",
        "HF_ENDPOINT": s.hub.base,
    }
    log = io.StringIO()
    code = action.main([], environ, log)
    assert not summary.exists() or s.token not in summary.read_text(), "the token is in the job summary"
    assert s.token not in log.getvalue()
    assert not output.exists() or s.token not in output.read_text()
    assert code == 2 and "credentials in URL" in log.getvalue()


@pytest.mark.parametrize(
    "query",
    ["?token={}", "?download=1&access_token={}", "?X-Amz-Signature={}&X-Amz-Date=20260101T000000Z", "#api_key={}"],
)
def test_a_token_in_a_registry_url_query_is_refused_and_never_echoed(scene, query):
    """A secret in the query string (``?token=``, a signed URL's signature...) is refused like userinfo:
    exit 2 at file:line:col, nothing fetched or written, and the secret in no output, table or file."""
    s = scene()
    secret = secrets.token_hex(16)  # not shaped like a known token: only the parameter name gives it away
    url = s.hub.url("org/public") + query.format(secret)
    for name, lines in (
        ("models.txt", ["# models", f"  {url}  -  org/public"]),
        ("models.yaml", ["- url: x", f"- url: {url}"]),
    ):
        path = s.registry(lines, name)
        head = s.world.bench.head()
        for fmt in ("text", "json", "github"):
            code, out, err = s.run("--commit", registry=name, fmt=fmt)
            assert code == 2, out + err
            where = f"{path}:2:3" if name == "models.txt" else f"{path}:2:8"
            shown = s.hub.url("org/public") + "?<not shown>"
            assert f"{where}: error registry-invalid credentials in URL {shown}:" in err, err
            assert secret not in out + err, f"the secret is in the {fmt} output"
        assert s.world.bench.head() == head  # nothing committed
        written = {str(s.world.bench.path / n) for n in ("models.txt", "models.yaml")}
        assert set(files_containing(s.world.bench.path, secret)) <= written  # only where it was written
        assert not (s.tmp / "cache").exists() or files_containing(s.tmp / "cache", secret) == []
    assert not s.hub.requests  # nothing was fetched
    assert all(secret not in " ".join(argv) for argv in s.git_argvs())


# -- a token pasted into a registry entry's other fields: ref, model, a YAML key ------------------
# The ref is on git's command line (and in its error messages), the model id in every table: on
# bee5dd4 such an entry was fetched, and the token shown, passed and written.


def _token_fields(url: str, hf: str, gh: str) -> list[tuple[str, str, list[str], str, tuple[int, int]]]:
    """(registry name, what, lines, the secret, its line:col) for each field a token may be pasted in."""
    cases = []
    for name, what, lines, secret, field in (
        ("models.txt", "`ref`", ["# models", f"  {url}  {hf}  org/public"], hf, hf),
        ("models.txt", "`model`", ["# models", f"  {url}  main  org/{gh}   # a comment"], gh, f"org/{gh}"),
        ("models.yaml", "`ref`", ["- url: x", f"- url: {url}", f"  ref: {hf}"], hf, hf),
        ("models.yaml", "`model`", ["- url: x", f"- model: {gh}", f"  path: {url}"], gh, gh),
        ("models.yaml", "a key", ["- url: x", f"- url: {url}", f"  {hf}: 1"], hf, f"url: {url}"),  # at the entry
    ):
        line = next(n for n, text in enumerate(lines, 1) if field in text)
        cases.append((name, what, lines, secret, (line, lines[line - 1].index(field) + 1)))
    return cases


@pytest.mark.parametrize("case", range(5), ids=["text-ref", "text-model", "yaml-ref", "yaml-model", "yaml-key"])
def test_a_token_in_a_registry_ref_model_or_key_is_refused_and_never_echoed(scene, case):
    """An access token shape (``hf_...``, ``ghp_...``, the shapes URLs are checked for) in a ref,
    a model id or a key is refused like one in the URL: exit 2 at the field's file:line:col naming
    the field, nothing fetched or written, and the token in no output, file or git argv."""
    s = scene()
    gh = "ghp_" + secrets.token_hex(18)
    name, what, lines, secret, (line, column) = _token_fields(s.hub.url("org/public"), s.token, gh)[case]
    path = s.registry(lines, name)
    head = s.world.bench.head()
    for fmt in ("text", "json", "github"):
        code, out, err = s.run("--commit", registry=name, fmt=fmt)
        assert code == 2, out + err
        assert f"{path}:{line}:{column}: error registry-invalid {what} looks like an access token" in err, err
        assert secret not in out + err, f"the token is in the {fmt} output"
    assert s.world.bench.head() == head  # nothing committed
    assert files_containing(s.world.bench.path, secret) == [str(path)]  # only where it was written
    assert not (s.tmp / "cache").exists() or files_containing(s.tmp / "cache", secret) == []
    assert not s.hub.requests  # nothing was fetched
    assert all(secret not in " ".join(argv) for argv in s.git_argvs())


def test_a_ref_or_model_id_of_the_usual_shapes_is_read(scene):
    """The counterpart, end to end: refs by branch name, refs/ path and commit id, and model ids
    with hf/api-like names, are fetched and published (a 40-hex id is never a token shape)."""
    s = scene()
    bare = s.tmp / "models" / "public.git"
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=bare, capture_output=True, text=True, check=True).stdout
    sha = sha.strip()
    url = s.hub.url("org/public")
    s.world.model("public", {".eval_results/r.yaml": entry("alpha", 71.0)})  # sha: no branch head now
    subprocess.run(["git", "update-ref", "refs/pr/3", sha], cwd=bare, check=True)
    s.hub.add_repo("org/public", bare)  # served as a copy
    s.registry(
        [
            f"{url} main org/hf_modelname",
            f"{url} refs/pr/3 hf-internal-testing/api_model_v2",
            f"{url} {sha} meta-llama/Llama-3.1-8B-Instruct",
            f"{url} - {sha.upper()}",
        ]
    )
    code, out, err = s.run()
    assert code == 0, err
    doc = json.loads(out)
    assert doc["unreachable"] == [] and "registry-invalid" not in err, json.dumps(doc["unreachable"])
    rows = read_csv(s.world.bench.path / "leaderboard" / "leaderboard.csv")
    expected = {"org/hf_modelname", "hf-internal-testing/api_model_v2", "meta-llama/Llama-3.1-8B-Instruct", sha.upper()}
    assert {r["model"] for r in rows} == expected


@given(st.text("0123456789abcdefABCDEF", min_size=1, max_size=80))
@settings(max_examples=500)
def test_no_commit_id_is_a_token_shape(text):
    from evalledger.leaderboard.auth import token_shaped

    assert not token_shaped(text) and not token_shaped(f"org/{text}") and not token_shaped(f"refs/pr/{text}")
    assert token_shaped(f"hf_{text}{'x' * 20}") and token_shaped(f"org/ghp_{'A1' * 10}{text}")


# -- the Action: hf-token input -> HF_TOKEN in evalledger's environment ----------------------------


def test_action_hf_token_input_reads_the_gated_repo_and_is_never_shown(scene, tmp_path):
    from evalledger import action
    from test_action_unit import env, parse_github_output

    s = scene()
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    environ = {
        **{k: v for k, v in os.environ.items() if k != "HF_TOKEN"},
        **env(
            working_directory=str(s.world.bench.path),
            models="models.txt",
            benchmark_id=BENCH_ID,
            commit="false",
            cache_dir=str(tmp_path / "cache"),
            hf_token=s.token,
        ),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_WORKSPACE": "/",
        "HF_ENDPOINT": s.hub.base,
        "GIT_TRACE2_EVENT": str(s.trace),
    }
    log = io.StringIO()
    code = action.main([], environ, log)
    assert code == 0, log.getvalue()
    outputs = parse_github_output(output.read_text())
    assert outputs["rows"] == "3"
    text = summary.read_text()
    assert "3/3 model repos read" in text and "org/gated" in text
    assert s.token not in text + log.getvalue() + output.read_text()
    assert files_containing(tmp_path / "cache", s.token) == []
    assert [a for a in s.git_argvs() if any(s.token in part for part in a)] == []
    assert any(r.authorization == f"Bearer {s.token}" for r in s.hub.requests)


def test_action_without_hf_token_reports_the_gated_repo_as_needing_one(scene, tmp_path):
    from evalledger import action
    from test_action_unit import env

    s = scene()
    summary = tmp_path / "summary.md"
    environ = {
        **{k: v for k, v in os.environ.items() if k != "HF_TOKEN"},
        **env(
            working_directory=str(s.world.bench.path),
            models="models.txt",
            benchmark_id=BENCH_ID,
            commit="false",
            cache_dir=str(tmp_path / "cache"),
        ),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": "/",
        "HF_ENDPOINT": s.hub.base,
    }
    log = io.StringIO()
    assert action.main([], environ, log) == 0, log.getvalue()
    assert "a token is needed to read this repo" in summary.read_text()
    assert "set HF_TOKEN" in log.getvalue()


# -- units ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, secret, shown",
    [
        ("https://huggingface.co/org/m", False, "https://huggingface.co/org/m"),
        ("https://user:tok@huggingface.co/org/m", True, "https://***@huggingface.co/org/m"),
        ("https://tok@host/x", True, "https://***@host/x"),
        ("https://u:p@w@host/x", True, "https://***@host/x"),
        ("https://u:pass/word@host/x", True, "https://<not shown>"),
        ("https://u:1234/word@host/x", True, "https://<not shown>"),
        ("http://host:8080/x", False, "http://host:8080/x"),
        ("ssh://git@host/x", False, "ssh://git@host/x"),
        ("ssh://git:pw@host/x", True, "ssh://***@host/x"),
        ("git@github.com:org/m.git", False, "git@github.com:org/m.git"),
        ("me:pw@host:org/m", True, "***@host:org/m"),
        ("file:///srv/models/m", False, "file:///srv/models/m"),
        ("file://me@host/srv/m", True, "file://***@host/srv/m"),
        ("../models/m", False, "../models/m"),
        # secrets in the query or fragment, and well-known token shapes anywhere
        ("https://huggingface.co/org/m?ref=main", False, "https://huggingface.co/org/m?ref=main"),
        ("https://huggingface.co/org/m?token=abc", True, "https://huggingface.co/org/m?<not shown>"),
        ("https://h/x.git?a=1&access_token=abc", True, "https://h/x.git?<not shown>"),
        ("https://h/x?API_KEY=abc", True, "https://h/x?<not shown>"),
        ("https://gitlab.example/x?private_token=abc", True, "https://gitlab.example/x?<not shown>"),
        (
            "https://b.s3.amazonaws.com/x?X-Amz-Credential=A%2F1&X-Amz-Signature=ab",
            True,
            "https://b.s3.amazonaws.com/x?<not shown>",
        ),
        (
            "https://acct.blob.core.windows.net/c/x?sv=2020&sig=abc",
            True,
            "https://acct.blob.core.windows.net/c/x?<not shown>",
        ),
        ("https://h/x#access_token=abc", True, "https://h/x?<not shown>"),
        ("https://u:p@h/x?token=abc", True, "https://***@h/x?<not shown>"),
        ("https://h/hf_abcdefghijklmnopqrstuvwx/m", True, "https://<not shown>"),
        ("https://h/m?ref=ghp_abcdefghijklmnopqrstuvwx", True, "https://<not shown>"),
        ("../models/m?api_key=abc", True, "../models/m?<not shown>"),
        ("git@github.com:org/m.git?token=abc", True, "git@github.com:org/m.git?<not shown>"),
    ],
)
def test_url_credentials(url, secret, shown):
    from evalledger.leaderboard.auth import url_credentials

    assert url_credentials(url) == (secret, shown)


@pytest.mark.parametrize(
    "url",
    [
        "https://h/x?tokenizer=x",
        "https://h/x?author=me",
        "https://h/x?passage=1",
        "https://h/x?keyword=a&monkey=b&signal=c&sessions_total=2",
        "https://h/x#author=me",
        "models/c#-author",
        "models/c#token=x",  # a path has no fragment: "#token=x" is part of the folder's name
        "file:///srv/models/c#-author",
        "file:///srv/models/c#token=x",
    ],
)
def test_url_credentials_matches_parameter_name_words_not_substrings(url):
    """A parameter name that merely contains a secret word (tokenizer, author, passage) is not a
    secret; a "#" in a local path is part of the file name, not a fragment."""
    from evalledger.leaderboard.auth import url_credentials

    assert url_credentials(url) == (False, url)


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://h/x?%74oken=abc", "https://h/x?<not shown>"),
        ("https://h/x?%2574oken=abc", "https://h/x?<not shown>"),
        ("https://h/x?apiKey=abc", "https://h/x?<not shown>"),
        ("https://h/x?APIKey=abc", "https://h/x?<not shown>"),
        ("https://h/x?apikey=abc", "https://h/x?<not shown>"),
        ("https://h/x?accessToken=abc", "https://h/x?<not shown>"),
        ("https://h/x?X-Amz-Security-Token=abc", "https://h/x?<not shown>"),
        ("https://h/x?client_secret=abc", "https://h/x?<not shown>"),
        ("https://h/x?password=abc", "https://h/x?<not shown>"),
        ("https://h/x?passwd=abc", "https://h/x?<not shown>"),
        ("https://h/x?pass=abc", "https://h/x?<not shown>"),
        ("https://h/x?pwd=abc", "https://h/x?<not shown>"),
        ("https://h/x?auth=abc", "https://h/x?<not shown>"),
        ("https://h/x?Authorization=abc", "https://h/x?<not shown>"),
        ("https://h/x?jwt=abc", "https://h/x?<not shown>"),
        ("https://h/x?session=abc", "https://h/x?<not shown>"),
        ("https://h/x?bearer=abc", "https://h/x?<not shown>"),
        ("https://h/x?credentials=abc", "https://h/x?<not shown>"),
        ("https://h/x?signature=abc", "https://h/x?<not shown>"),
        ("https://h/x?token2=abc", "https://h/x?<not shown>"),
        ("https://h/x#%74oken=abc", "https://h/x?<not shown>"),
        ("file:///srv/m?token=abc", "file:///srv/m?<not shown>"),
        ("models/c#x?apiKey=abc", "models/c#x?<not shown>"),
    ],
)
def test_url_credentials_refuses_secret_words_in_parameter_names(url, shown):
    """Secret words are found in decoded, split names; the value is never shown."""
    from evalledger.leaderboard.auth import url_credentials

    assert url_credentials(url) == (True, shown)
    assert "abc" not in shown


def test_the_bearer_header_is_scoped_to_the_hub_and_passed_as_git_config_env(monkeypatch, tmp_path):
    from evalledger.leaderboard.auth import HubAuth

    hub = HubAuth.from_environ(None, {"HF_TOKEN": "hf_abc"})
    assert "hf_abc" not in repr(hub)
    assert hub.endpoint == "https://huggingface.co"
    assert hub.git_env("https://huggingface.co/org/m") == {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.https://huggingface.co/.extraHeader",
        "GIT_CONFIG_VALUE_0": "Authorization: Bearer hf_abc",
    }
    # configuration the user passes the same way is kept: ours is appended after it, and git sees both
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "user.name")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "From The User")
    extra = hub.git_env("https://huggingface.co/org/m")
    assert extra["GIT_CONFIG_COUNT"] == "2" and extra["GIT_CONFIG_KEY_1"] == "http.https://huggingface.co/.extraHeader"
    seen = subprocess.run(
        ["git", "config", "--list"], cwd=tmp_path, env=git.git_env(extra), capture_output=True, text=True
    ).stdout
    assert "user.name=From The User" in seen
    assert "http.https://huggingface.co/.extraheader=Authorization: Bearer hf_abc" in seen
    for other in (
        "https://huggingface.co.evil.example/org/m",
        "http://huggingface.co/org/m",
        "https://github.com/org/m",
        "ssh://git@huggingface.co/org/m",
        "/srv/m",
    ):
        assert hub.git_env(other) == {}, other
    mirror = HubAuth.from_environ(None, {"HF_TOKEN": "t", "HF_ENDPOINT": "https://Mirror.example:8443/hub/"})
    assert mirror.endpoint == "https://mirror.example:8443/hub"
    assert mirror.applies_to("https://mirror.example:8443/hub/org/m")
    assert not mirror.applies_to("https://mirror.example:8443/hubx/org/m")
    assert not mirror.applies_to("https://huggingface.co/org/m")
    assert HubAuth.from_environ(None, {}).git_env("https://huggingface.co/org/m") == {}


@pytest.mark.slow
def test_example_workflow_under_act_reads_a_gated_repo_with_the_hf_token_secret(tmp_path):
    """examples/workflows/leaderboard.yml as a user runs it (act, host mode), with the repository
    secret HF_TOKEN: action.yml passes `hf-token` through env to action.py, which gives it to
    evalledger as HF_TOKEN; the gated Hub repo's rows are committed, and no git process (children
    included) had the token in its argv."""
    from gitutil import git as run_git
    from test_action_act import make_fixture, run_example_leaderboard, workspace

    token = _token()
    ws = workspace(tmp_path / "evalledger")
    fx = make_fixture.make_aggregate(tmp_path / "fx")
    bench = Path(fx["bench"])
    trace = tmp_path / "trace2"
    trace.mkdir()
    with GitHttpServer(tmp_path / "hub", bearer=token, gated={"gated-org/gated-model"}) as hub:
        hub.add_repo("gated-org/gated-model", next((tmp_path / "fx" / "models").glob("acme__*.git")))
        registry = bench / fx["models"]
        registry.write_text(registry.read_text() + f"{hub.url('gated-org/gated-model')} - gated-org/gated-model\n")
        (bench / ".github" / "workflows").mkdir(parents=True)
        example = ROOT_DIR / "examples" / "workflows" / "leaderboard.yml"
        shutil.copy(example, bench / ".github" / "workflows")
        run_git(bench, "add", "-A")
        run_git(bench, "commit", "-q", "-m", "gated model and the leaderboard workflow")
        run_git(bench, "push", "-q", "origin", "main")
        proc = run_example_leaderboard(
            ws,
            bench,
            "--env",
            f"HF_ENDPOINT={hub.base}",
            "--env",
            f"GIT_TRACE2_EVENT={trace}",
            "--secret",
            "HF_TOKEN",
            env={"HF_TOKEN": token},
        )
        requests = list(hub.requests)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    assert "rows=5 conflicts=0" in log  # 3 rows of the file:// repos + 2 of the gated one
    board = run_git(Path(fx["origin"]), "show", "main:leaderboard/leaderboard.csv")
    assert "gated-org/gated-model" in board
    assert requests and {r.authorization for r in requests} == {f"Bearer {token}"}
    assert token not in log
    assert not objects_containing(Path(fx["origin"]), token)
    assert files_containing(Path(os.environ["HOME"]) / ".cache", token) == []
    argvs = [
        json.loads(line)["argv"]
        for p in trace.iterdir()
        for line in p.read_text().splitlines()
        if '"event":"start"' in line
    ]
    assert any(a[0].endswith("remote-http") for a in argvs)
    assert [a for a in argvs if any(token in part for part in a)] == []


def test_action_hf_token_is_an_env_variable_of_evalledger_never_an_argument_nor_shown():
    from evalledger import action
    from test_action_unit import env

    token = _token()
    inputs = action.read_inputs(env(models="models.txt", hf_token=f"  {token}\n"))
    assert inputs.hf_token == token and token not in repr(inputs)
    assert all(token not in arg for arg in action.aggregate_argv(inputs))
    child = action.child_env(inputs, {**env(hf_token=token), "PATH": "/bin", "HF_TOKEN": "from-the-job"})
    assert child == {"PATH": "/bin", "HF_TOKEN": token}  # the input wins; its own variable is not passed on
    assert action.child_env(action.Inputs(models="m"), {"HF_TOKEN": "from-the-job"}) == {"HF_TOKEN": "from-the-job"}
    for bad in (f"{token} x", f"{token}\rX-Injected: 1"):
        with pytest.raises(action.InputError) as caught:
            action.read_inputs(env(models="models.txt", hf_token=bad))
        assert "hf-token" in str(caught.value) and token not in str(caught.value)
