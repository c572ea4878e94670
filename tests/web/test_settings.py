"""Settings from the environment: production settings pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _guanxi(args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env.update(GUANXI_VAR_DIR=str(tmp_path), **env_extra)
    return subprocess.run(
        [sys.executable, "-m", "guanxi.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    r = _guanxi(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "DEBUG": "false",
            "HTTPS": "true",
            "SECRET_KEY": "x" * 20 + "k3J9-pQ2_vZ8mL5nR7tY1wE4uI6oP0aS",
            "ALLOWED_HOSTS": "crm.example.com",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        },
        tmp_path,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_embedded_mode_generates_and_keeps_a_secret_key(tmp_path):
    r = _guanxi(["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"], {}, tmp_path)
    first = r.stdout.strip()
    r = _guanxi(["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"], {}, tmp_path)
    assert len(first) > 50 and r.stdout.strip() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
