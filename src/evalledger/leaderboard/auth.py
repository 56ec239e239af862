"""Credentials for reading model repos: a token from the environment, never from the registry.

Many of the most-evaluated models on the Hugging Face Hub are gated or private; reading them needs
an access token. The token comes from an environment variable (``HF_TOKEN`` by default,
``aggregate --token-env NAME`` for another) and reaches git only as configuration in git's own
environment (``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``): an
``http.<endpoint>/.extraHeader`` of ``Authorization: Bearer <token>``, scoped to the Hub's URL
(``https://huggingface.co`` or ``$HF_ENDPOINT``). It is never on a command line (``ps`` shows
those), never in a cache's ``config``, never in a message; the git processes of other hosts do
not receive it at all, so git's own credential helpers keep answering for them.

A registry URL with userinfo (``https://user:token@host/...``), a secret-named query parameter
(``?token=``, ``X-Amz-Signature=``...) or a token shape (``hf_...``) is refused where it is written
(``registry-invalid``) without echoing it: everything a registry says ends up in the tables, the
JSON result, the job summary and the cache's git config. A token shape in an entry's other fields
(``ref``, ``model``, a YAML key) is refused the same way (``token_shaped``): the ref is on git's
command line, the model id in every table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import unquote

from evalledger import git

DEFAULT_TOKEN_ENV = "HF_TOKEN"
DEFAULT_ENDPOINT = "https://huggingface.co"
ENDPOINT_ENV = "HF_ENDPOINT"

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)(:[0-9]*)?$")
# what git prints when the host wanted credentials it did not get (401) or refused them (403)
_NEEDS_AUTH = re.compile(
    r"returned error: 401|could not read (Username|Password)|terminal prompts disabled"
    r"|Authentication failed|HTTP Basic: Access denied"
)
_FORBIDDEN = re.compile(r"returned error: 403")


class AuthError(ValueError):
    """The token variable or the endpoint cannot be used (a usage error; the message is safe to show)."""


#: query (or fragment) parameter names that carry a secret, matched as whole *words* of the
#: percent-decoded name split on non-alphanumerics and camelCase (``X-Amz-Signature`` -> x, amz,
#: signature; ``apiKey`` -> api, key), so ``?tokenizer=``, ``?author=``, ``?passage=`` pass:
#: ``token``/``access_token``/``private_token``/``X-Amz-Security-Token``, ``api_key``/``apiKey``/
#: ``apikey``/``key``, ``client_secret``, ``password``/``passwd``/``pass``/``pwd``, ``sig``/
#: ``signature``/``X-Amz-Signature`` (signed URLs: S3, GCS, Azure SAS), ``X-Amz-Credential``,
#: ``auth``/``authorization``, ``jwt``, ``session``, ``bearer``, and run-together compounds of them.
#: A false alarm costs a registry line rewritten; a miss publishes a secret.
_SECRET_WORDS = frozenset(
    {
        *("token", "tokens", "accesstoken", "authtoken", "privatetoken", "refreshtoken", "idtoken"),
        *("sessiontoken", "securitytoken", "key", "keys", "apikey", "accesskey", "secretkey"),
        *("privatekey", "signingkey", "secret", "secrets", "clientsecret", "password", "passwords"),
        *("passwd", "pass", "passphrase", "pwd", "sig", "signature", "credential", "credentials"),
        *("cred", "creds", "auth", "authorization", "jwt", "session", "sessionid", "bearer"),
    }
)
_NAME_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def _secret_name(name: str) -> bool:
    """Whether a query parameter ``name`` has a secret word (``_SECRET_WORDS``) in it."""
    for _ in range(4):  # %2574oken is %74oken is token
        decoded = unquote(name)
        if decoded == name:
            break
        name = decoded
    chunks = re.split(r"[^A-Za-z0-9]+", name)
    words = [w.lower() for chunk in chunks for w in _NAME_WORD.findall(chunk)]
    return any(w in _SECRET_WORDS for w in words) or any(c.lower() in _SECRET_WORDS for c in chunks)


#: well-known token shapes, refused wherever they appear in a URL (path, query, fragment): Hugging
#: Face (``hf_``, ``api_``), GitHub (``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_``,
#: ``github_pat_``), GitLab (``glpat-``), Slack (``xox?-``), AWS access key ids (``AKIA``/``ASIA``)
_TOKEN_SHAPE = re.compile(
    r"(?<![A-Za-z0-9])(?:hf_[A-Za-z0-9]{20,}|api_[A-Za-z0-9]{30,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}"
    r"|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16})"
)


def token_shaped(text: str) -> bool:
    """Whether ``text`` holds a well-known token shape (``_TOKEN_SHAPE``) anywhere. Each shape
    needs a letter beyond a-f (h, p, i, g, l, x, K, S) or a ``_``/``-``, so a commit id (hex) never
    is one; nor is a model id or ref name such as ``meta-llama/Llama-3.1-8B`` or ``refs/pr/3``."""
    return _TOKEN_SHAPE.search(text) is not None


def _secret_params(tail: str, fragments: bool = True) -> bool:
    """Whether the query or fragment of a URL (``tail``: from its path on) names a secret. A local
    path (``fragments`` false) has no fragment: a ``#`` there is part of a file name."""
    _path, query_mark, query = tail.partition("?")
    if not fragments:
        fragment = ""
    elif query_mark:
        query, _, fragment = query.partition("#")
    else:
        query, fragment = "", tail.partition("#")[2]
    for part in (query, fragment):
        for pair in re.split(r"[&;]", part):
            name = pair.partition("=")[0]
            if name and _secret_name(name):
                return True
    return False


def url_credentials(url: str) -> tuple[bool, str]:
    """(whether ``url`` carries credentials or an unparseable host that may hide them, the URL as
    it may be shown). Userinfo of http(s), git and file URLs is refused whole (a token alone,
    ``https://TOKEN@host``, is a credential too); ssh keeps a user name (``ssh://git@host``,
    ``git@host:org/repo``) but not a password. A query or fragment parameter named like a secret
    (``?token=``, ``access_token=``, ``api_key=``, ``X-Amz-Signature=``...: ``_SECRET_WORDS``) or a
    well-known token shape anywhere (``hf_...``, ``ghp_...``) is refused too, shown without the
    query (or at all). A path (no scheme, or ``file://``) has no fragment: its ``#`` is literal."""
    secret, shown = _userinfo(url)
    scheme, sep, rest = shown.partition("://")
    if token_shaped(shown):
        return True, f"{scheme}://<not shown>" if sep else "<not shown>"
    path_start = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest)) if sep else 0
    local = not sep or scheme.lower() == "file"  # a path: "#" is part of a file name
    if _secret_params(rest[path_start:] if sep else shown, fragments=not local):
        cut = min((i for i in (shown.find(c) for c in ("?" if local else "?#")) if i >= 0), default=len(shown))
        return True, shown[:cut] + "?<not shown>"
    return secret, shown


def _userinfo(url: str) -> tuple[bool, str]:
    """``url_credentials`` for the userinfo part alone."""
    scheme, sep, rest = url.partition("://")
    if sep:
        kind = scheme.lower()
        end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
        authority, tail = rest[:end], rest[end:]
        userinfo, at, hostport = authority.rpartition("@")
        hidden = f"{scheme}://<not shown>"
        if kind != "file" and not _HOST_PORT.match(hostport):
            return True, hidden  # "user:pass/word@host" splits at the "/": show none of it
        if at:
            if kind == "ssh" and ":" not in userinfo:
                return False, url
            return True, f"{scheme}://***@{hostport}" + ("" if "@" in tail else tail)
        if "@" in tail and kind != "ssh":  # a git URL path has no "@"; a misplaced secret may
            return True, hidden
        return False, url
    head = url.split("/", 1)[0]
    if ":" in head and "@" in head:  # scp-like [user@]host:path
        userinfo, _, hostpath = url.partition("@")
        if ":" in userinfo:
            return True, f"***@{hostpath}"
    return False, url


def endpoint(environ: Mapping[str, str]) -> str:
    """The Hub's base URL, normalised (``scheme://host[:port][/path]``, no trailing slash)."""
    raw = (environ.get(ENDPOINT_ENV) or "").strip() or DEFAULT_ENDPOINT
    secret, _shown = url_credentials(raw)
    scheme, sep, rest = raw.partition("://")
    if secret:
        raise AuthError(f"{ENDPOINT_ENV} must not contain credentials (put the token in the token variable)")
    if (
        not sep
        or scheme.lower() not in ("http", "https")
        or not rest
        or rest.startswith("/")
        or any(c in raw for c in "?#\n\r\0 ")
    ):
        raise AuthError(f"{ENDPOINT_ENV} must be an http(s) URL such as {DEFAULT_ENDPOINT} (got {raw!r})")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}" + (f"/{path.strip('/')}" if path.strip("/") else "")


class HubAuth:
    """The token (if any) and where it may be sent. ``repr`` never shows the token."""

    def __init__(self, variable: str, token: str | None, base: str) -> None:
        self.variable = variable
        self._token = token
        self.endpoint = base

    def __repr__(self) -> str:
        return (
            f"HubAuth(variable={self.variable!r}, token={'set' if self._token else 'unset'}, "
            f"endpoint={self.endpoint!r})"
        )

    @classmethod
    def from_environ(cls, variable: str | None = None, environ: Mapping[str, str] | None = None) -> HubAuth:
        """Read the token from ``variable`` (default ``HF_TOKEN``). An explicitly named variable
        must be set; the default one may be absent (public repos need no token)."""
        env = os.environ if environ is None else environ
        name = variable or DEFAULT_TOKEN_ENV
        if not _ENV_NAME.match(name):
            raise AuthError(f"--token-env {name!r} is not an environment variable name")
        token = env.get(name, "").strip() or None
        if token is None and variable:
            raise AuthError(f"--token-env {name}: the variable is not set (or empty)")
        if token is not None and (any(ord(c) < 33 or ord(c) > 126 for c in token)):
            raise AuthError(
                f"the token in {name} contains spaces or control characters "
                "(a Hugging Face token is one word of printable ASCII)"
            )
        return cls(name, token, endpoint(env))

    @property
    def has_token(self) -> bool:
        return self._token is not None

    def applies_to(self, url: str) -> bool:
        """Whether ``url`` is on the Hub endpoint: same scheme, host and port, path below it."""
        scheme, sep, rest = url.partition("://")
        if not sep:
            return False
        host, _, path = rest.partition("/")
        if "@" in host:
            return False
        normal = f"{scheme.lower()}://{host.lower()}/{path}"
        return normal.startswith(self.endpoint + "/")

    def git_env(self, url: str) -> dict[str, str]:
        """Environment for the git processes that read ``url``: the bearer header as git config,
        scoped to the endpoint; nothing for other hosts or without a token."""
        if self._token is None or not self.applies_to(url):
            return {}
        return git.config_env([(f"http.{self.endpoint}/.extraHeader", f"Authorization: Bearer {self._token}")])

    def scrub(self, text: str) -> str:
        """``text`` with the token replaced (a host may echo a header back in its error page)."""
        return text.replace(self._token, "***") if self._token else text

    def explain(self, message: str, url: str) -> str:
        """An unreachable repo's message, plus what to do when the host asked for credentials."""
        message = self.scrub(message)
        needs, forbidden = bool(_NEEDS_AUTH.search(message)), bool(_FORBIDDEN.search(message))
        if not (needs or forbidden):
            return message
        status = "HTTP 403" if forbidden and not needs else "HTTP 401"
        if not self.applies_to(url):
            return (
                f"{message} ({status}: the host needs credentials; {self.variable} is sent only to "
                f"{self.endpoint}, so configure a git credential helper for this host)"
            )
        if self._token is None:
            return (
                f"{message} ({status}: a token is needed to read this repo -- gated or private; "
                f"set {self.variable} to a Hugging Face access token with read access)"
            )
        return (
            f"{message} ({status}: the token in {self.variable} was not accepted for this repo; "
            "check it has read access and, for a gated model, that its terms were accepted on the Hub)"
        )
