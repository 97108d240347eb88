"""`manage.py seed_scale`: a clinic of the asked size, the same for the same seed and date, with each
scar's stored last freeze matching its history, on top of the demo log-ins."""

import datetime
import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from clinic.models import Room
from patients.models import Patient, Scar, ScarAssessment
from sessions import worklist
from sessions.models import Appointment, AppointmentStatus, TreatmentSession
from sessions.selectors import freezes, last_freeze_on

TODAY = "2026-11-20"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    """The demo data under the scaled clinic is dated from the clock: the same day as `TODAY`."""
    with time_machine.travel(datetime.datetime(2026, 11, 20, 11, 0, tzinfo=datetime.UTC), tick=False):
        yield


def seed(patients=120, seed=7) -> str:
    out = io.StringIO()
    call_command("seed_scale", patients=patients, seed=seed, today=TODAY, force=True, stdout=out)
    return out.getvalue()


def snapshot():
    return (
        list(Patient.objects.filter(mrn__startswith="SCALE-").order_by("mrn").values_list("mrn", "family_name")),
        list(
            Scar.objects.filter(patient__mrn__startswith="SCALE-")
            .order_by("patient__mrn", "pk")
            .values_list("patient__mrn", "body_site", "status", "last_freeze_on")
        ),
        list(
            TreatmentSession.objects.filter(scar__patient__mrn__startswith="SCALE-")
            .order_by("scar__patient__mrn", "performed_on", "pk")
            .values_list("scar__patient__mrn", "performed_on", "appointment__starts_at")
        ),
    )


def test_the_clinic_has_the_asked_shape_and_the_demo_log_ins():
    output = seed()
    assert "120 patients" in output
    scale = Patient.objects.filter(mrn__startswith="SCALE-")
    assert scale.count() == 120
    scars = Scar.objects.filter(patient__in=scale)
    assert 2 * 120 <= scars.count() <= 4 * 120
    per_scar = scars.annotate(n=Count("treatments")).values_list("n", flat=True)
    assert max(per_scar) == 3
    assert ScarAssessment.objects.filter(scar__patient__in=scale).count() >= scars.count()
    assert get_user_model().objects.filter(username__in=["clinician", "clinicadmin", "clinician10"]).count() == 3
    assert Room.objects.count() == 10
    upcoming = Appointment.objects.filter(patient__in=scale, status=AppointmentStatus.SCHEDULED)
    assert upcoming.exists()
    first_day = datetime.date.fromisoformat(TODAY) + datetime.timedelta(days=1)
    assert all(first_day <= a.starts_at.date() <= first_day + datetime.timedelta(days=16) for a in upcoming)
    # Every session is in the past and signed; most old courses have ended, some scars are due.
    assert not TreatmentSession.objects.filter(performed_on__gte=TODAY).exists()
    assert not TreatmentSession.objects.filter(completed_at__isnull=True).exists()
    assert scars.filter(status="resolved").count() > scars.filter(status="active").count()
    due = worklist.due_scars(today=datetime.date.fromisoformat(TODAY)).filter(patient__in=scale)
    assert due.exists()


def test_each_stored_last_freeze_matches_the_history():
    seed(patients=40)
    for scar in Scar.objects.filter(patient__mrn__startswith="SCALE-"):
        assert scar.last_freeze_on == last_freeze_on(scar.pk)
        last = freezes().filter(scar=scar).order_by("-performed_on", "-pk").first()
        assert scar.last_freeze_by_id == (last.appointment.clinician_id if last else None)


def test_the_same_seed_gives_the_same_clinic_and_a_second_run_is_refused():
    with transaction.atomic():
        seed(patients=30)
        first = snapshot()
        transaction.set_rollback(True)
    assert not Patient.objects.filter(mrn__startswith="SCALE-").exists()
    seed(patients=30)
    assert snapshot() == first
    with pytest.raises(CommandError, match="already holds a scaled clinic"):
        seed(patients=30)
    assert Patient.objects.filter(mrn__startswith="SCALE-").count() == 30


@pytest.mark.parametrize("arguments", [{"patients": 0}, {"today": "22/11/2026"}])
def test_bad_arguments_exit_with_a_message(arguments):
    with pytest.raises(CommandError):
        call_command("seed_scale", stdout=io.StringIO(), **{"patients": 5, "force": True, **arguments})
    assert not Patient.objects.filter(mrn__startswith="SCALE-").exists()
