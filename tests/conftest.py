"""Personas and shared fixtures. Makers for objects are in tests/makers.py."""

import os
from pathlib import Path

import pytest

from sscp import roles
from tests.makers import make_agency, make_lead, make_user


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing is slow on purpose; tests sign in thousands of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def use_evidence_storage(settings, location=None):
    """Store evidence from now on in the folder `location`, or in memory if None."""
    from django.utils.functional import empty

    from sscp.storage import evidence_files

    if location is None:
        storage = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    else:
        storage = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": None},
        }
    settings.STORAGES = {**settings.STORAGES, "evidence": storage}
    evidence_files._wrapped = empty


@pytest.fixture(autouse=True)
def cache(settings):
    """Each test starts with empty counters (rate limits), in this process's memory."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture(autouse=True)
def evidence_storage(request, settings, tmp_path):
    """Each test stores evidence in its own temporary folder, or in memory.

    SSCP_TEST_EVIDENCE_STORAGE=memory runs the suite with evidence in memory: a
    storage with no files on disk, showing that the code reaches evidence only
    through Django's storage API, as it must for S3-compatible object storage.
    `--note-evidence-tests FILE` adds to FILE the id of each test that reached the
    storage at all, the tests that such a run needs to repeat (.ci/run).
    """
    from django.utils.functional import empty

    from sscp.storage import evidence_files

    in_memory = os.environ.get("SSCP_TEST_EVIDENCE_STORAGE") == "memory"
    use_evidence_storage(settings, None if in_memory else tmp_path / "evidence")
    yield
    # The storage is looked up when first used, so one set up means it was used.
    note = request.config.getoption("note_evidence_tests")
    if note and evidence_files._wrapped is not empty:
        with open(note, "a") as noted:
            noted.write(f"{request.node.nodeid}\n")
    evidence_files._wrapped = empty


def pytest_addoption(parser):
    parser.addoption(
        "--note-evidence-tests",
        metavar="FILE",
        help="add to FILE the id of each test that reached the evidence storage",
    )
    parser.addoption(
        "--only-tests-in",
        metavar="FILE",
        help="run only the tests whose ids FILE lists, one a line (from --note-evidence-tests)",
    )


def pytest_collection_modifyitems(config, items):
    listed = config.getoption("only_tests_in")
    if not listed:
        return
    wanted = set(Path(listed).read_text().splitlines())
    if not wanted:
        raise pytest.UsageError(f"{listed} lists no tests: nothing would be run.")
    kept = [item for item in items if item.nodeid in wanted]
    missing = wanted - {item.nodeid for item in kept}
    if missing:
        raise pytest.UsageError(f"{listed} lists tests not collected: {sorted(missing)[:5]}")
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in wanted])
    items[:] = kept


def stored_evidence() -> list[str]:
    """The names of every file in the evidence storage, found through the storage API."""
    from sscp.storage import evidence_files

    def walk(folder):
        try:
            folders, files = evidence_files.listdir(folder)
        except FileNotFoundError:
            return []
        names = [f"{folder}/{name}".lstrip("/") for name in files]
        for name in folders:
            names += walk(f"{folder}/{name}".lstrip("/"))
        return names

    return walk("")


@pytest.fixture
def migrated_data(transactional_db):
    """Make again what the data migrations made, which a flush between tests removes.

    Every transactional test uses this rather than serialized_rollback. That cannot
    always restore it: once Playwright has run an event loop in this thread, Django's
    per-context connections hide the saved copy. And mixed with transactional tests
    without it, it fails on content types the flush's post_migrate made again.
    """
    from audits.history import SYSTEM_USERNAME
    from sscp.models import User

    User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"first_name": "System", "last_name": "(automatic)", "is_active": False},
    )


@pytest.fixture
def agency_a(db):
    return make_agency(name="Agency A", short_name="Agency A")


@pytest.fixture
def agency_b(db):
    return make_agency(name="Agency B", short_name="Agency B")


@pytest.fixture
def partnership_officer(db):
    return make_user("officer", role=roles.PARTNERSHIP_TEAM, first_name="Pat", last_name="Officer")


@pytest.fixture
def silg_chair(db):
    return make_user("chair", role=roles.SILG_CHAIR, first_name="Sam", last_name="Chair")


@pytest.fixture
def lead_a(agency_a):
    return make_lead(agency_a, "lead-a", first_name="Alex", last_name="Lead")


@pytest.fixture
def lead_b(agency_b):
    return make_lead(agency_b, "lead-b", first_name="Bea", last_name="Lead")


@pytest.fixture
def no_role_user(db):
    """Signed in, but a member of no partnership."""
    return make_user("no-role")


@pytest.fixture
def personas(partnership_officer, silg_chair, lead_a, lead_b, no_role_user):
    return {
        "partnership": partnership_officer,
        "chair": silg_chair,
        "lead_a": lead_a,
        "lead_b": lead_b,
        "no_role": no_role_user,
    }


@pytest.fixture
def members(personas):
    """The personas who belong to the tests' partnership: everyone but the person with no
    role, who is an outsider to it (every page of it answers them 404)."""
    return {role: user for role, user in personas.items() if role != "no_role"}


@pytest.fixture
def client_for(client):
    """`client_for(user)`: the test client signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


# Services some tests need. Without them `make test` skips those tests and says
# why; .ci/run sets SSCP_REQUIRE_SERVICES=1, which turns each such skip into a failure.
def _missing_postgres():
    from django.db import connection

    if connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://…"
    return None


def _missing_redis():
    from django.conf import settings

    if not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://…"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"needs Redis, but {settings.REDIS_URL} did not answer: {error}"
    return None


def _missing_browser():
    import shutil

    if shutil.which("chromium") is None:
        return "needs Debian's chromium package (apt-get install chromium)"
    return None


def clamd_path():
    import shutil

    return shutil.which("clamd", path="/usr/sbin:/usr/bin:/sbin:/bin")


def _missing_clamd():
    if clamd_path() is None:
        return "needs Debian's clamav-daemon package (apt-get install clamav-daemon)"
    return None


SERVICE_CHECKS = {
    "postgres": _missing_postgres,
    "redis": _missing_redis,
    "browser": _missing_browser,
    "clamd": _missing_clamd,
}


def pytest_runtest_setup(item):
    import os

    for marker, missing in SERVICE_CHECKS.items():
        if item.get_closest_marker(marker) and (reason := missing()):
            if os.environ.get("SSCP_REQUIRE_SERVICES") == "1":
                pytest.fail(f"CI requires this test to run, but it {reason}", pytrace=False)
            pytest.skip(reason)


@pytest.fixture
def smtp_server(settings):
    """Send mail through a real SMTP server on localhost; `smtp_server.handler` records it."""
    from tests.smtp import SMTPServer

    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can see if the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
