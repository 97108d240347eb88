"""Writes to the patient record. Each service is atomic and keyword-only; views call exactly one."""

import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from patients.models import (
    AssessmentPhoto,
    Patient,
    PatientCondition,
    PatientMedication,
    Scar,
    ScarAssessment,
)


def mrn_generate() -> str:
    return f"CC-{secrets.randbelow(10**6):06d}"


@transaction.atomic
def patient_create(*, data: dict) -> Patient:
    patient = Patient(**data)
    if patient.mrn:
        patient.save()
        return patient
    # A generated number can collide with an existing one: retry with a fresh one.
    for _ in range(20):
        patient.mrn = mrn_generate()
        try:
            with transaction.atomic():
                patient.save()
            return patient
        except IntegrityError:
            patient.pk = None
    raise RuntimeError("Could not generate a unique medical record number.")


def _apply(obj, data: dict) -> None:
    for field, value in data.items():
        setattr(obj, field, value)


@transaction.atomic
def patient_update(*, patient: Patient, data: dict) -> Patient:
    _apply(patient, data)
    patient.save()
    return patient


@transaction.atomic
def history_entry_save(
    *, entry: PatientCondition | PatientMedication, data: dict
) -> PatientCondition | PatientMedication:
    """Add a coded condition or medication to a patient's history (`entry` new, with its patient), or correct one."""
    _apply(entry, data)
    entry.save()
    return entry


@transaction.atomic
def scar_create(*, patient: Patient, data: dict) -> Scar:
    return Scar.objects.create(patient=patient, **data)


@transaction.atomic
def scar_update(*, scar: Scar, data: dict) -> Scar:
    _apply(scar, data)
    scar.save()
    return scar


def _photos_add(*, assessment: ScarAssessment, photos: Iterable, user) -> list[AssessmentPhoto]:
    # `photos` are already re-encoded by the form (patients.photos.photo_reencode).
    return [AssessmentPhoto.objects.create(assessment=assessment, image=photo, uploaded_by=user) for photo in photos]


@transaction.atomic
def assessment_create(*, scar: Scar, assessor, data: dict, photos: Iterable = ()) -> ScarAssessment:
    assessment = ScarAssessment.objects.create(scar=scar, assessor=assessor, **data)
    _photos_add(assessment=assessment, photos=photos, user=assessor)
    return assessment


@transaction.atomic
def assessment_update(*, assessment: ScarAssessment, user, data: dict, photos: Iterable = ()) -> ScarAssessment:
    _apply(assessment, data)
    assessment.save()
    _photos_add(assessment=assessment, photos=photos, user=user)
    return assessment
