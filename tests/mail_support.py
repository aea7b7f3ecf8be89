"""
Real Celery processes for tests of the outbox: a worker, beat, and a Redis of their
own that a test can stop and start again, as a broker that goes down does.

The processes are other programs: they see only committed data, in the test
database, so the tests that use them are transactional (and on PostgreSQL).
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from sscp.celery import app
from tests.smtp import free_port


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"


def process_env(*, broker_url: str, email_url: str, **extra) -> dict:
    return {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker_url,
        "EMAIL_URL": email_url,
        "SITE_URL": "https://tracker.example.org",
        **{name: str(value) for name, value in extra.items()},
    }


@contextmanager
def celery(*arguments, env: dict, log: Path):
    """Run `celery --app sscp <arguments>` until the block ends; its output goes to `log`
    (a file, not a pipe, which a chatty process could fill and block on)."""
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "--app", "sscp", *arguments],
            cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            print(log.read_text())  # shown by pytest if the test failed


def worker_arguments(*, queue: str = "celery", pool: str = "solo") -> list[str]:
    pool_arguments = ["--pool", pool] + (["--concurrency", "1"] if pool == "prefork" else [])
    return ["worker", *pool_arguments, "--queues", queue, "--without-mingle",
            "--without-gossip", "--loglevel", "INFO"]  # fmt: skip


class RedisServer:
    """A redis-server of the test's own, on a port of its own, that can be stopped."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("needs redis-server (Debian's redis-server package)", pytrace=False)
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # the server takes a moment to listen; it says nothing

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def private_broker(tmp_path):
    """A Redis of this test's own, as the broker of this process's Celery app too."""
    server = RedisServer(tmp_path)
    server.start()
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = server.url
    app.conf.broker_transport_options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    app.close()
    app.amqp._producer_pool = None
    try:
        yield server
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        app.close()
        app.amqp._producer_pool = None
        if server.process.poll() is None:
            server.stop()


def unique_queue() -> str:
    return f"sscp-test-{uuid.uuid4().hex}"


def wait_until(condition, *, timeout: float, every: float = 0.25) -> float:
    """Poll the database (which another process changes) until `condition()` holds;
    the seconds it took. Fails the test at `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not within {timeout} s", pytrace=False)
        time.sleep(every)
    return time.monotonic() - started
