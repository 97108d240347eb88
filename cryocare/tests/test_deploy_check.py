"""Production settings: `check --deploy` with the environment the README documents reports nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key-0123456789abcdef",
    "ALLOWED_HOSTS": "cryocare.example.org",
}


def _check_deploy(**extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_PRELOAD")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env | PRODUCTION | extra,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_check_deploy_reports_nothing_with_the_documented_production_environment():
    result = _check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.slow
def test_a_tls_proxy_that_redirects_itself_may_turn_the_redirect_off():
    result = _check_deploy(SECURE_SSL_REDIRECT="false")
    assert result.returncode == 0, result.stdout + result.stderr


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_SSL_REDIRECT=True)
def test_https_responses_carry_hsts_and_plain_http_is_redirected(client, db):
    assert client.get("/health/", secure=True)["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert client.get("/patients/").status_code == 301  # plain HTTP
