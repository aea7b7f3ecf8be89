"""`make run` starts the Procfile with honcho: the web server's port is PORT's."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

from tests.smtp import free_port


def test_the_web_process_serves_on_the_port_it_is_given(tmp_path):
    """Issue 15, item 29: the Procfile no longer fixes port 8000."""
    port = free_port()
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [str(bin_dir / "honcho"), "start", "--procfile", "Procfile", "--port", str(port), "web"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        answer = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and answer is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/accessibility/", timeout=2
                ) as r:
                    answer = r.status
            except urllib.error.HTTPError as error:
                answer = error.code
            except OSError:
                time.sleep(0.3)
    finally:
        os.killpg(process.pid, 15)
        output, _ = process.communicate(timeout=30)
    assert answer == 200, output
