import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from patients.models import Consent, Patient, PatientCondition, PatientMedication, Scar, ScarAssessment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"T-{n:05d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    birth_date = datetime.date(1985, 4, 12)
    sex = "female"
    fitzpatrick = 2
    pregnancy_status = "no"
    pregnancy_confirmed_on = datetime.date(2026, 10, 1)
    consent_date = datetime.date(2026, 1, 10)
    consent_version = "v1"


class ConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PatientCondition

    patient = factory.SubFactory(PatientFactory)
    code = "diabetes"


class MedicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PatientMedication

    patient = factory.SubFactory(PatientFactory)
    code = "anticoagulant"
    drug_name = "apixaban"


# Tests of the consent record itself turn this off and make every consent they need.
CONSENT_ON_FILE = True


class ScarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scar
        skip_postgeneration_save = True  # the consent hook saves what it changes

    patient = factory.SubFactory(PatientFactory)
    body_site = "abdomen"
    laterality = "midline"
    morphology = "hypertrophic"
    cause = "surgical"
    onset_date = datetime.date(2024, 6, 1)

    @factory.post_generation
    def consented(self, create, extracted, **kwargs):
        """A patient who signed consent (`consent_date`) has it cover each new scar, every technique."""
        if create and extracted is not False and CONSENT_ON_FILE and self.patient.consent_date:
            consent, _ = Consent.objects.get_or_create(
                patient=self.patient,
                signed_on=self.patient.consent_date,
                defaults={
                    "text_version": self.patient.consent_version,
                    "covers_spray": True,
                    "covers_contact": True,
                    "covers_intralesional": True,
                },
            )
            consent.scars.add(self)


class ScarAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScarAssessment

    scar = factory.SubFactory(ScarFactory)
    assessor = factory.SubFactory(UserFactory)
    assessed_on = datetime.date(2026, 11, 1)
    length_mm = Decimal("40")
    width_mm = Decimal("6")
    height_mm = Decimal("3")
    vss_vascularity = 2
    vss_pigmentation = 1
    vss_pliability = 3
    vss_height = 2
