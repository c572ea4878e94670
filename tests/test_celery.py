"""A Celery worker knows every task of the project, under the name it was registered with."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import guanxi

WORKER_START = """
import json, django
django.setup()
from guanxi.config.celery import app
app.loader.import_default_modules()  # what a worker does at start: autodiscovery
print(json.dumps(sorted(app.tasks)))
"""


def test_a_worker_discovers_every_task():
    # In a fresh process: in this one, the tests have imported the task modules already.
    declared = {
        name
        for path in Path(guanxi.__file__).parent.rglob("*.py")
        for name in re.findall(r'@shared_task\(name="([^"]+)"', path.read_text(encoding="utf-8"))
    }
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    out = subprocess.run(
        [sys.executable, "-c", WORKER_START], env=env, capture_output=True, text=True, check=True
    ).stdout
    registered = set(json.loads(out.strip().splitlines()[-1]))
    assert "guanxi.engagement.tasks.send_notification_email" in declared  # names kept across renames
    assert sorted(declared - registered) == []
