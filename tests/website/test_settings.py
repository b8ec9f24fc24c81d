"""Production settings refuse to start half-configured and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL_LOOKING = {
    "SECRET_KEY": "q3Vf8wXr1-Zk0pLm7_TgYh2sNc9bJd4eRu6aKo5iW_xPzQy-EvLt0HnMj8BgSfUc",
    "ALLOWED_HOSTS": "www.coaching.example,coaching.example",
    "DATABASE_URL": "postgres://portal:not-a-real-password@db.internal:5432/portal",
    "BASE_URL": "https://www.coaching.example",
}


def manage(*args, **env):
    leave_out = {*REAL_LOOKING, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in leave_out}
    clean["DJANGO_SETTINGS_MODULE"] = "website.settings.production"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **REAL_LOOKING)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", sorted(REAL_LOOKING))
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in REAL_LOOKING.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set for production settings" in result.stderr


def test_no_secret_in_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert ".env" not in tracked
    settings_text = (ROOT / "website/settings/base.py").read_text()
    assert 'os.environ.get("SECRET_KEY", "")' in settings_text
