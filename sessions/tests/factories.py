"""Schedule and treatment-record factories.

The database refuses two active appointments that overlap for one clinician, room or patient,
so every appointment gets its own time from a sequence.
"""

import datetime

import factory
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from clinic.models import Room
from patients.tests.factories import PatientFactory, ScarFactory, UserFactory
from sessions.models import Appointment, AppointmentScar, AppointmentStatus, TreatmentSession
from sessions.services import ScarToday, scars_last_freeze_refresh

# Far from any real "today", so that default appointments never land in a test's window.
BASE_START = datetime.datetime(2031, 1, 6, 8, 0, tzinfo=datetime.UTC)
SLOTS_PER_DAY = 288  # five-minute slots


class ClinicianFactory(UserFactory):
    # An unusable password: hashing a real one costs most of a second per user (tests force_login).
    password = factory.LazyFunction(lambda: make_password(None))

    @factory.post_generation
    def clinician_role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get_or_create(name="Clinician")[0])


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Room {n}")


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(ClinicianFactory)
    room = factory.SubFactory(RoomFactory)
    starts_at = factory.Sequence(lambda n: BASE_START + datetime.timedelta(minutes=30 * n))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=30))
    status = AppointmentStatus.SCHEDULED
    booked_by = factory.SelfAttribute("clinician")


class AppointmentScarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentScar

    appointment = factory.SubFactory(AppointmentFactory, patient=factory.SelfAttribute("..scar.patient"))
    scar = factory.SubFactory(ScarFactory)
    technique = "contact"


def _slot_on(day: datetime.date, n: int) -> datetime.datetime:
    midnight = datetime.datetime.combine(day, datetime.time(0), tzinfo=datetime.UTC)
    return midnight + datetime.timedelta(minutes=5 * (n % SLOTS_PER_DAY))


class TreatmentSessionFactory(factory.django.DjangoModelFactory):
    """A signed (completed) session on `performed_on`, at a completed five-minute appointment that day."""

    class Meta:
        model = TreatmentSession
        skip_postgeneration_save = True  # the hook writes the scar, not the record

    class Params:
        unsigned = factory.Trait(completed_at=None, completed_by=None)

    scar = factory.SubFactory(ScarFactory)
    performed_on = datetime.date(2026, 11, 2)
    appointment = factory.SubFactory(
        AppointmentFactory,
        patient=factory.SelfAttribute("..scar.patient"),
        status=AppointmentStatus.COMPLETED,
        starts_at=factory.LazyAttributeSequence(lambda o, n: _slot_on(o.factory_parent.performed_on, n)),
        ends_at=factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=5)),
    )
    technique = "contact"
    completed_at = factory.LazyFunction(timezone.now)
    completed_by = factory.SelfAttribute("appointment.clinician")

    @factory.post_generation
    def last_freeze_stored(self, create, extracted, **kwargs):
        """As the services do: the scar's stored last freeze follows its treatment records."""
        if create:
            scars_last_freeze_refresh([self.scar_id])


def all_clear(appointment: Appointment) -> dict[int, ScarToday]:
    """Check-in answers for a visit whose scars are clear today, with a certain diagnosis."""
    return {row.scar_id: ScarToday(site_findings=[], diagnosis_certain=True) for row in appointment.planned.all()}
