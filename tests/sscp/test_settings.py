"""Settings come from the environment and refuse to run production without a real secret."""

import os
import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'])"
)

# Settings whose defaults are tested here: never taken from the environment the tests run in.
DEFAULTS_UNDER_TEST = {"EMAIL_URL", "EMAIL_TIMEOUT", "REMINDER_TASK_TIME_LIMIT", "PORT", "SITE_URL"}


def run_python(*args, **env_overrides):
    """Python with `args`, in this environment less our settings, plus `env_overrides`."""
    ours = {"SECRET_KEY", "DEBUG", "DATABASE_URL", *DEFAULTS_UNDER_TEST}
    env = {k: v for k, v in os.environ.items() if k not in ours and not k.startswith("EVIDENCE_")}
    env.update(DJANGO_SETTINGS_MODULE="sscp.settings", **env_overrides)
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def run_django(code=PRINT_SETTINGS, **env_overrides):
    """Run `code` in a fresh Python with Django set up."""
    return run_python("-c", code, **env_overrides)


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is missing or not a real secret" in result.stderr


def test_production_refuses_the_development_key():
    result = run_django(DEBUG="false", SECRET_KEY="django-insecure-" + "x" * 60)
    assert result.returncode != 0
    assert "SECRET_KEY is missing or not a real secret" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = run_django(DEBUG="false", SECRET_KEY="k3y-" + "aZ9_" * 15)
    assert result.returncode == 0, result.stderr


def test_database_defaults_to_sqlite_under_var():
    result = run_django(DEBUG="true")
    assert result.returncode == 0, result.stderr
    engine, name = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name == str(settings.BASE_DIR / "var" / "sscp.sqlite3")


def test_database_url_selects_postgresql():
    result = run_django(DEBUG="true", DATABASE_URL="postgres://someone@db.example:5432/tracker")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "tracker"]


PRINT_EVIDENCE_STORAGE = (
    "import django; django.setup(); from django.core.files.storage import storages; "
    "storage = storages['evidence']; "
    "print(type(storage).__name__, getattr(storage, 'bucket_name', '-'), "
    "getattr(storage, 'endpoint_url', '-'))"
)


def evidence_storage_with(**env_overrides):
    return run_django(PRINT_EVIDENCE_STORAGE, **env_overrides)


def test_evidence_is_on_this_machine_by_default():
    result = evidence_storage_with(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "FileSystemStorage"


def test_evidence_can_go_to_s3_compatible_object_storage():
    result = evidence_storage_with(
        DEBUG="true",
        EVIDENCE_STORAGE="s3",
        EVIDENCE_S3_BUCKET="sscp-evidence",
        EVIDENCE_S3_ENDPOINT_URL="https://objects.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "sscp-evidence", "https://objects.example.org"]


def test_evidence_storage_settings_that_cannot_work_are_refused():
    unknown = evidence_storage_with(DEBUG="true", EVIDENCE_STORAGE="floppy")
    assert "EVIDENCE_STORAGE must be one of filesystem, s3, memory" in unknown.stderr
    no_bucket = evidence_storage_with(DEBUG="true", EVIDENCE_STORAGE="s3")
    assert "EVIDENCE_STORAGE=s3 needs EVIDENCE_S3_BUCKET" in no_bucket.stderr
    memory_in_production = evidence_storage_with(
        DEBUG="false", SECRET_KEY="k3y-" + "aZ9_" * 15, EVIDENCE_STORAGE="memory"
    )
    assert "EVIDENCE_STORAGE=memory loses every file" in memory_in_production.stderr


def manage(*args):
    """manage.py with no settings of ours: no DEBUG, no SECRET_KEY."""
    return run_python("manage.py", *args)


def test_commands_that_only_read_the_code_run_without_a_key():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_commands_that_use_the_data_still_refuse_without_a_key():
    result = manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is missing or not a real secret" in result.stderr


PRINT_TIME_LIMITS = (
    "import django; django.setup(); from django.conf import settings; "
    "from django.core.mail import get_connection; from sscp.celery import app; "
    "app.loader.import_default_modules(); "
    "print('email', settings.EMAIL_TIMEOUT, get_connection().timeout); "
    "[print(name, task.soft_time_limit, task.time_limit) "
    " for name, task in sorted(app.tasks.items()) if not name.startswith('celery.')]"
)


def test_by_default_no_send_and_no_task_can_hang_for_ever():
    """Issue 15, item 2: with nothing set, an SMTP server has 30 s for each step of a send,
    and every task of ours stops at its soft limit and is ended at its hard one."""
    result = run_django(PRINT_TIME_LIMITS, DEBUG="true", EMAIL_URL="smtp://mail.example:25")
    assert result.returncode == 0, result.stderr
    email, *tasks = [line.split() for line in result.stdout.splitlines()]
    assert email == ["email", "30", "30"]
    names = {name for name, *_ in tasks}
    assert {
        "actions.tasks.send_reminders",
        "actions.tasks.deliver_reminders",
        "sscp.tasks.deliver_email",
    } <= names
    for name, soft, hard in tasks:
        assert soft != "None" and hard != "None", f"{name} has no time limit"
        assert 0 < int(soft) < int(hard) <= 60 * 60, name


def test_links_in_emails_follow_the_port_unless_site_url_is_set():
    """Issue 15, item 29: `PORT=8123` serves on 8123, so links must point there too."""
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    )
    assert run_django(code, DEBUG="true", PORT="8123").stdout.strip() == "http://127.0.0.1:8123"
    assert run_django(code, DEBUG="true").stdout.strip() == "http://127.0.0.1:8000"
    chosen = run_django(code, DEBUG="true", PORT="8123", SITE_URL="https://tracker.example.org/")
    assert chosen.stdout.strip() == "https://tracker.example.org"


def test_make_gives_the_processes_it_starts_a_site_url_on_its_port():
    """Issue 15, item 29: `make run PORT=8080` starts the worker (which writes the emails)
    with SITE_URL on 8080, unless SITE_URL is set."""
    env = {k: v for k, v in os.environ.items() if k not in DEFAULTS_UNDER_TEST}

    def site_url(*args, **extra):
        result = subprocess.run(
            ["make", "-s", "--no-print-directory", *args, "--eval", PRINT_SITE_URL, "site-url"],
            cwd=settings.BASE_DIR,
            env=env | extra,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert site_url("PORT=8080") == "http://127.0.0.1:8080"
    assert site_url() == "http://127.0.0.1:8000"
    assert site_url("PORT=8080", SITE_URL="https://tracker.example.org") == (
        "https://tracker.example.org"
    )


# A target that prints SITE_URL as a process started by make sees it in its environment.
PRINT_SITE_URL = "site-url: ; @sh -c 'echo $$SITE_URL'"
