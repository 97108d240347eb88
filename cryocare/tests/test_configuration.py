"""Start-up configuration from the environment (12-factor), checked in a fresh interpreter."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL,"
    " s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'], s.EMAIL_BACKEND)"
)


def _run(env: dict, code: str = PRINT) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "cryocare.settings"
    script = f"import django; django.setup(); {code}"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=60
    )


def test_no_variables_give_the_embedded_default():
    result = _run({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "memory://",
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_database_and_redis_urls_switch_backends():
    result = _run({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x", "REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert result.returncode == 0, result.stderr
    engine, broker, eager, cache, _ = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert (broker, eager, cache) == (
        "redis://127.0.0.1:6379/3",
        "False",
        "django.core.cache.backends.redis.RedisCache",
    )


def test_debug_off_without_secret_key_stops_with_a_clear_message():
    result = _run({"DEBUG": "false", "ALLOWED_HOSTS": "cryocare.example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_off_without_allowed_hosts_stops_with_a_clear_message():
    result = _run({"DEBUG": "false", "SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set when DEBUG is off" in result.stderr


def test_debug_off_with_both_starts():
    result = _run({"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "cryocare.example.org"})
    assert result.returncode == 0, result.stderr
