"""
Real faults for the fault tests: a database that refuses a statement, a TCP proxy in
front of the real PostgreSQL that can be cut or made to hang, and the app served by
gunicorn in a process of its own, with a small client that keeps its cookies.
"""

import contextlib
import http.client
import http.cookies
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from django.db import connection

from tests.smtp import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r'<strong class="sscp-reference">([0-9A-F]{8})</strong>')


@contextmanager
def database_refuses(table, operation="INSERT"):
    """A real database error: a trigger that aborts every `operation` on `table`."""
    name = f"refuse_{operation.lower()}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'disk quota exceeded'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER {name} ON {table}")
                cursor.execute(f"DROP FUNCTION {name}()")
            else:
                cursor.execute(f"DROP TRIGGER {name}")


class DatabaseProxy:
    """A TCP proxy on loopback in front of the real PostgreSQL, that a test can break.

    forward(): pass every byte both ways. refuse(): stop listening and cut every open
    connection, as a database that is down. hang(): accept connections and never
    pass a byte on, as a database that is hung.
    """

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.port = free_port()
        self.mode = "forward"
        self.listener = None
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self._listen()

    def forward(self):
        self._switch("forward")

    def hang(self):
        self._switch("hang")

    def refuse(self):
        self.mode = "refuse"
        self._stop_listening()
        self._cut()

    def close(self):
        self.refuse()

    def _switch(self, mode):
        self.mode = mode
        self._cut()
        if self.listener is None:
            self._listen()

    def _listen(self):
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _stop_listening(self):
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            self.listener.close()
            self.listener = None

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped listening
            self._keep(client)
            if self.mode == "forward":
                self._connect(client)

    def _connect(self, client):
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            client.close()
            return
        self._keep(upstream)
        for source, target in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source, target):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def _keep(self, sock):
        with self.lock:
            self.sockets.add(sock)

    def _cut(self):
        with self.lock:
            sockets, self.sockets = self.sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class ServerLog:
    """The lines a server process writes, read as they come by a thread of its own."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()

    def wait_for(self, text: str, timeout: float = 30) -> int:
        """The index of the first line containing `text`, waiting for it to be written."""
        with self.changed:
            found = self.changed.wait_for(lambda: self._find(text) is not None, timeout)
            assert found, f"the server never logged {text!r}:\n" + "\n".join(self.lines)
            return self._find(text)

    def record(self, text: str) -> list[str]:
        """The log record whose first line contains `text`: that line and its traceback."""
        start = self.wait_for(text)
        with self.changed:
            lines = [self.lines[start]]
            for line in self.lines[start + 1 :]:
                if re.match(r"^(\d{4}-\d\d-\d\d |\[\d{4}-)", line):
                    break
                lines.append(line)
        return lines

    def _find(self, text):
        return next((n for n, line in enumerate(self.lines) if text in line), None)


def database_url(port: int) -> str:
    """The test database, reached through `port`."""
    db = connection.settings_dict
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@127.0.0.1:{port}/{quote(db['NAME'])}"


@contextmanager
def app_server(environment: dict):
    """The app in gunicorn, as deployed (DEBUG off), in a process of its own."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults_server_settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **environment,
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "sscp.wsgi",
        f"--bind=127.0.0.1:{port}",
        "--workers=2",
        "--preload",
        "--timeout=60",
        "--error-logfile=-",
    ]
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log = ServerLog(process.stdout)
    try:
        log.wait_for(f"Listening at: http://127.0.0.1:{port}")
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str
    seconds: float

    def reference(self) -> str:
        return REFERENCE.search(self.text).group(1)


class Browser:
    """Requests to the server on `port`, keeping its cookies as a browser does."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, fields: dict) -> Answer:
        return self.request(
            "POST", path, {"csrfmiddlewaretoken": self.cookies["csrftoken"], **fields}
        )

    def sign_in(self, username: str, password: str) -> None:
        self.get("/sign-in/")
        answer = self.post("/sign-in/", {"username": username, "password": password})
        assert answer.status == 302, answer.text

    def request(self, method: str, path: str, fields: dict | None = None) -> Answer:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        server = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        start = time.monotonic()
        try:
            server.request(method, path, body=body, headers=headers)
            response = server.getresponse()
            text = response.read().decode()
        finally:
            server.close()
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        return Answer(response.status, response.headers, text, time.monotonic() - start)

    def _keep_cookies(self, headers):
        for header in headers:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
