"""`manage.py seed_demo`: the demo data set on a developer's machine (DEBUG on), refused elsewhere
unless forced, and then never with the published password."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from patients.demo import DEMO_PASSWORD, DEMO_USERS
from patients.models import Patient, PatientCondition, Scar, ScarAssessment

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
USERNAMES = [user.username for user in DEMO_USERS]


def _counts():
    return (
        get_user_model().objects.count(),
        Patient.objects.count(),
        Scar.objects.count(),
        ScarAssessment.objects.count(),
        PatientCondition.objects.count(),
    )


def _seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=out, **options)
    return out.getvalue()


@override_settings(DEBUG=True)
def test_seed_demo_is_idempotent():
    _seed()
    first = _counts()
    _seed()
    assert _counts() == first
    assert first[1] == 30


@override_settings(DEBUG=True)
def test_seed_demo_covers_contraindications_and_prints_logins():
    out = _seed()
    assert "clinician" in out and "clinicadmin" in out and DEMO_PASSWORD in out
    codes = set(PatientCondition.objects.values_list("code", flat=True))
    assert {"raynaud", "cold_urticaria", "cryoglobulinemia"} <= codes
    assert Patient.objects.filter(pregnancy_status="yes").exists()
    assert Patient.objects.filter(consent_date__isnull=True).exists()
    assert all(scar.assessments.exists() for scar in Scar.objects.all())


@override_settings(DEBUG=True)
def test_with_debug_on_every_demo_user_has_the_published_password():
    _seed()
    assert all(user.check_password(DEMO_PASSWORD) for user in get_user_model().objects.filter(username__in=USERNAMES))


@override_settings(DEBUG=False)
def test_with_debug_off_seed_demo_is_refused_and_adds_nothing():
    with pytest.raises(CommandError, match="DEBUG is off.*--force"):
        _seed()
    assert _counts() == (0, 0, 0, 0, 0)


def test_refusal_exits_non_zero_from_the_command_line(tmp_path):
    # A process of its own, as an operator runs it: the production environment, an empty database.
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"} | {
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-secret-key-for-this-test-0123456789",
        "ALLOWED_HOSTS": "cryocare.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "--force" in result.stderr


@override_settings(DEBUG=False)
def test_forced_with_debug_off_gives_each_demo_user_a_random_password_printed_once():
    out = _seed(force=True)

    users = get_user_model().objects.filter(username__in=USERNAMES)
    assert users.count() == len(DEMO_USERS) and Patient.objects.count() == 30
    assert DEMO_PASSWORD not in out
    passwords = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in USERNAMES:
            passwords[parts[0]] = parts[-1]
    assert set(passwords) == set(USERNAMES) and len(set(passwords.values())) == len(USERNAMES)
    for user in users:
        assert not user.check_password(DEMO_PASSWORD)
        assert user.check_password(passwords[user.username])

    again = _seed(force=True)
    assert not any(password in again for password in passwords.values())


@override_settings(DEBUG=False)
def test_forced_seed_warns_about_a_demo_user_left_with_the_published_password():
    with override_settings(DEBUG=True):
        _seed()

    out = _seed(force=True)

    assert "clinician still has the published demo password" in out
    assert get_user_model().objects.get(username="clinician").check_password(DEMO_PASSWORD)


@override_settings(DEBUG=False)
def test_seed_scale_is_refused_too_with_debug_off():
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_scale", patients=5, stdout=io.StringIO())
    assert not Patient.objects.exists()
