"""
The server's log, as its real handler writes it (issue 15, item 15): what a request
carries cannot start a line of its own, and a refusal is one line.
"""

import io
import logging
import os
import subprocess
import sys
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from sscp.logs import escape
from tests.makers import SLUG, agency_of, make_action

pytestmark = pytest.mark.django_db

FORGED = "FORGED 2026-01-01 10:00:00,000 INFO django.request: nothing to see"


@contextmanager
def server_log():
    """What the configured console handler writes (sscp.settings LOGGING), as text."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    written = io.StringIO()
    previous = handler.setStream(written)
    try:
        yield written
    finally:
        handler.setStream(previous)


def forged_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("FORGED")]


def test_a_title_with_a_line_break_refused_in_a_request_forges_no_log_line(client_for, lead_b):
    """Issue 15, item 15: the refusal (403) names the action, whose title has CR/LF in it;
    the log has one line for it, with no traceback, and no line starting FORGED."""
    action = make_action(title=f"Audit\r\n{FORGED}")
    client = client_for(lead_b)
    with server_log() as log:
        assert client.get(reverse("action-edit", args=[SLUG, action.pk])).status_code == 403
        assert client.get(f"/test/actions/%0D%0A{FORGED.replace(' ', '%20')}/").status_code == 404
    output = log.getvalue()
    assert forged_lines(output) == []
    assert "Traceback" not in output
    refusals = [line for line in output.splitlines() if "django.request" in line]
    assert len(refusals) == 2
    assert f"Forbidden (Permission denied): /test/actions/{action.pk}/edit/" in refusals[0]


def test_a_server_error_keeps_its_traceback_with_its_message_escaped(
    client_for, lead_a, monkeypatch
):
    """Issue 15, item 15: a 5xx is for whoever fixes it: traceback kept, no forged line."""
    from actions import selectors

    def broken(*args, **kwargs):
        raise RuntimeError(f"broken by\r\n{FORGED}")

    monkeypatch.setattr(selectors, "action_page", broken)
    client = Client(raise_request_exception=False)
    client.force_login(lead_a)
    with server_log() as log:
        path = f"/test/actions/{make_action(agency=agency_of(lead_a)).pk}/"
        assert client.get(path).status_code == 500
    output = log.getvalue()
    assert "Traceback (most recent call last):" in output
    assert "RuntimeError: broken by\\r\\nFORGED" in output
    assert forged_lines(output) == []


def test_escaping_makes_every_control_character_visible():
    assert escape("a\r\nb\tc\x1bd\x00e\u2028f\u202eg") == "a\\r\\nb\\tc\\x1bd\\x00e\\u2028f\\u202eg"
    assert escape("Café “quoted” 😀") == "Café “quoted” 😀"


WORKER_LOGGING = f"""
import logging
import django
django.setup()
from celery.utils.log import get_task_logger
from sscp.celery import app

# What `celery worker` and `celery beat` do before they run anything.
app.log.setup(loglevel="INFO", redirect_stdouts=False)
forged = {FORGED!r}
digest = logging.getLogger("actions.reminders")
digest.warning("Reminder digest to %s failed: %s", "a", "x\\r\\n" + forged)
logging.getLogger("celery.app.trace").error("Task raised: %s", "x\\n" + forged)
get_task_logger("actions.tasks").warning("x\\n" + forged)
"""


def test_the_worker_writes_each_message_on_one_line_too(tmp_path):
    """Issue 15, item 15: the Celery worker and beat log through the same filter as the web
    process. Celery replaces the root logger's handlers with its own unless told not to,
    and then a mail server's error or a title in a task's log could forge a line."""
    env = {**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "sscp.settings"}
    result = subprocess.run(
        [sys.executable, "-c", WORKER_LOGGING],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert output.count("FORGED") == 3, output
    assert forged_lines(output) == [], output
    assert "Reminder digest to a failed: x\\r\\nFORGED" in output
