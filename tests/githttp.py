"""A real git smart-HTTP server for tests: ``git http-backend`` (CGI) behind Python's http.server,
listening on 127.0.0.1 only.

    with GitHttpServer(tmp_path / "served", bearer="hf_secret", gated={"org/gated"}) as hub:
        url = hub.url("org/gated")       # http://127.0.0.1:PORT/org/gated

Repositories are bare repos under ``root`` (``root/org/name``); ``add_repo`` turns a repo into a
served copy with partial clone enabled (``uploadpack.allowFilter``, ``allowAnySHA1InWant``: fetch
uses ``--filter=blob:none`` and asks for blobs by id). The client's ``Git-Protocol`` header reaches
http-backend as ``GIT_PROTOCOL``, so protocol v2 is spoken as on a real host.

Access control, per repo (the first path segments up to the repo name):

* ``gated``: only ``Authorization: Bearer <bearer>`` gets in; no Authorization -> 401 (with a
  ``WWW-Authenticate`` challenge, as a host does), any other -> 403;
* ``basic``: ``{repo: (user, password)}``, HTTP Basic as git's credential helpers answer it;
* everything else is public.

``held``: ``{repo: threading.Event}``; a request for such a repo waits until its event is set (at
most a minute), so a test can keep part of a run from finishing until it has seen what it waits for.

Every request is recorded (``requests``: method, path, the Authorization header, Git-Protocol) so a
test can check which host was sent which credentials.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    authorization: str | None
    git_protocol: str | None
    status: int


class GitHttpServer:
    def __init__(
        self,
        root: Path,
        *,
        bearer: str | None = None,
        gated: set[str] | frozenset[str] = frozenset(),
        basic: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.bearer = bearer
        self.gated = set(gated)
        self.basic = dict(basic or {})
        self.requests: list[Request] = []
        self.held: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- repos ------------------------------------------------------------------------------

    def add_repo(self, name: str, source: Path) -> Path:
        """Serve (a bare copy of) the repository at ``source`` as ``name`` (``org/model``)."""
        target = self.root / name
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "clone", "-q", "--bare", "--mirror", str(source), str(target)], check=True, capture_output=True
        )
        for key, value in (
            ("uploadpack.allowFilter", "true"),
            ("uploadpack.allowAnySHA1InWant", "true"),
            ("http.receivepack", "false"),
        ):
            subprocess.run(["git", "config", key, value], cwd=target, check=True)
        return target

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    @property
    def base(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> GitHttpServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GitHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- access -----------------------------------------------------------------------------

    def repo_of(self, path: str) -> str | None:
        parts = [p for p in path.split("/") if p]
        for n in range(len(parts), 0, -1):
            name = "/".join(parts[:n])
            if (self.root / name / "HEAD").is_file():
                return name
        return None

    def decide(self, repo: str | None, authorization: str | None) -> int:
        """HTTP status of the access check: 0 means let http-backend answer."""
        if repo in self.gated:
            if authorization is None:
                return 401
            return 0 if self.bearer and authorization == f"Bearer {self.bearer}" else 403
        if repo in self.basic:
            user, password = self.basic[repo]
            expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            if authorization is None:
                return 401
            return 0 if authorization == expected else 403
        return 0

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)


class _Handler(BaseHTTPRequestHandler):
    owner: GitHttpServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet: pytest shows failures
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":  # large git requests
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        owner = self.owner
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        body = self._body() if self.command == "POST" else b""
        authorization = self.headers.get("Authorization")
        protocol = self.headers.get("Git-Protocol")
        status = owner.decide(owner.repo_of(path), authorization)
        held = owner.held.get(owner.repo_of(path) or "")
        if held is not None:
            held.wait(60)
        if status:
            owner.record(Request(self.command, path, authorization, protocol, status))
            self.send_response(status)
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="evalledger test"')
            message = b"authentication required\n" if status == 401 else b"forbidden\n"
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(message)))
            self.end_headers()
            self.wfile.write(message)
            return
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(owner.root),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_PROJECT_ROOT": str(owner.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": parts.query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        if protocol:
            env["GIT_PROTOCOL"] = protocol
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        proc = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = proc.stdout.partition(b"\n\n")
        code, reason, headers = 200, "OK", []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                code_text, _, reason = value.strip().partition(" ")
                code = int(code_text)
            elif name:
                headers.append((name.strip(), value.strip()))
        if proc.returncode != 0 and code == 200:
            code, reason, payload = 500, "backend failed", proc.stderr
        owner.record(Request(self.command, path, authorization, protocol, code))
        self.send_response(code, reason or None)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
