import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from patients.models import Patient, PatientCondition, Scar, ScarAssessment


def _counts():
    return (
        get_user_model().objects.count(),
        Patient.objects.count(),
        Scar.objects.count(),
        ScarAssessment.objects.count(),
        PatientCondition.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first[1] == 30


@pytest.mark.django_db
def test_seed_demo_covers_contraindications_and_prints_logins(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "clinician" in out and "clinicadmin" in out and "cryocare-demo" in out
    codes = set(PatientCondition.objects.values_list("code", flat=True))
    assert {"raynaud", "cold_urticaria", "cryoglobulinemia"} <= codes
    assert Patient.objects.filter(pregnancy_status="yes").exists()
    assert Patient.objects.filter(consent_date__isnull=True).exists()
    assert all(scar.assessments.exists() for scar in Scar.objects.all())
