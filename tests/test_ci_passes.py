"""What .ci/run's second run repeats: the tests that reached the evidence storage in the
first (`--note-evidence-tests`), run again with it in memory (`--only-tests-in`)."""

import os
import subprocess
import sys

from django.conf import settings

REACHES_EVIDENCE = (
    "tests/actions/test_evidence_download.py"
    "::test_a_download_is_an_attachment_that_browsers_will_not_run"
)
NEVER_DOES = "tests/actions/test_models.py::test_due_dates_must_be_present"


def run_pytest(*arguments, **env):
    # On SQLite in memory, so as not to touch the test database of the run this is part of.
    clean = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *arguments],
        cwd=settings.BASE_DIR, env={**clean, "DEBUG": "true", **env},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_first_run_notes_each_test_that_reached_evidence_and_no_other(tmp_path):
    noted = tmp_path / "evidence-tests.txt"
    result = run_pytest(REACHES_EVIDENCE, NEVER_DOES, f"--note-evidence-tests={noted}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert noted.read_text().splitlines() == [REACHES_EVIDENCE]


def test_the_second_run_runs_only_the_noted_tests_with_evidence_in_memory(tmp_path):
    noted = tmp_path / "evidence-tests.txt"
    noted.write_text(f"{REACHES_EVIDENCE}\n")
    result = run_pytest(
        REACHES_EVIDENCE, NEVER_DOES, f"--only-tests-in={noted}", "-rA",
        SSCP_TEST_EVIDENCE_STORAGE="memory",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 deselected" in result.stdout
    assert f"PASSED {REACHES_EVIDENCE}" in result.stdout


def test_a_second_run_with_nothing_noted_fails_rather_than_run_nothing(tmp_path):
    noted = tmp_path / "evidence-tests.txt"
    noted.write_text("")
    result = run_pytest(REACHES_EVIDENCE, f"--only-tests-in={noted}")
    assert result.returncode != 0
    assert "lists no tests: nothing would be run" in result.stderr


def test_a_second_run_fails_if_a_noted_test_is_gone(tmp_path):
    noted = tmp_path / "evidence-tests.txt"
    noted.write_text(f"{REACHES_EVIDENCE}\ntests/actions/test_models.py::test_renamed\n")
    result = run_pytest(REACHES_EVIDENCE, f"--only-tests-in={noted}")
    assert result.returncode != 0
    assert "test_renamed" in result.stderr
