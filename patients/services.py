"""Writes to the patient record. Each service is atomic and keyword-only; views call exactly one."""

import secrets
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.models import (
    CONSENT_ADULT_AGE,
    AssessmentPhoto,
    Consent,
    CourseEndReason,
    Patient,
    PatientCondition,
    PatientMedication,
    Scar,
    ScarAssessment,
    ScarStatus,
)
from protocols.codes import Technique
from protocols.rules import age_on


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
def other_history_save(*, patient: Patient, other_conditions: str, other_medications: str) -> Patient:
    """The free-text conditions and medications beside the coded ones (never read by the engine)."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    patient.other_conditions, patient.other_medications = other_conditions.strip(), other_medications.strip()
    patient.save(update_fields=["other_conditions", "other_medications", "updated_at"])
    return patient


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


@transaction.atomic
def consent_record(
    *,
    patient: Patient,
    scars: Iterable[Scar],
    techniques: Iterable[str],
    signed_on: date,
    text_version: str,
    guardian_name: str = "",
    guardian_relation: str = "",
    user,
    today: date | None = None,
) -> Consent:
    """Record a signed consent covering `scars` (the patient's own) and `techniques` (codes)."""
    today = today or timezone.localdate()
    scars = list(scars)
    techniques = list(dict.fromkeys(techniques))
    text_version = text_version.strip()
    guardian_name, guardian_relation = guardian_name.strip(), guardian_relation.strip()
    errors: dict[str, str] = {}
    if not scars:
        errors["scars"] = "Choose at least one scar the consent covers."
    elif any(scar.patient_id != patient.pk for scar in scars):
        errors["scars"] = "A consent can only cover this patient's own scars."
    if not techniques:
        errors["techniques"] = "Choose at least one technique the consent covers."
    elif unknown := [t for t in techniques if t not in Technique.values]:
        errors["techniques"] = f"Not a technique: {', '.join(map(str, unknown))}."
    if signed_on > today:
        errors["signed_on"] = "A consent cannot be signed in the future."
    elif signed_on < patient.birth_date:
        errors["signed_on"] = "A consent cannot be signed before the patient's birth date."
    if not text_version:
        errors["text_version"] = "Give the version of the consent text the patient signed."
    if bool(guardian_name) != bool(guardian_relation):
        missing = "guardian_relation" if guardian_name else "guardian_name"
        errors[missing] = "Give both the guardian's name and their relation to the patient, or neither."
    elif not guardian_name and "signed_on" not in errors and age_on(patient.birth_date, signed_on) < CONSENT_ADULT_AGE:
        errors["guardian_name"] = "The patient was under 18 when this was signed: name the guardian who gave it."
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        patient=patient,
        signed_on=signed_on,
        text_version=text_version,
        guardian_name=guardian_name,
        guardian_relation=guardian_relation,
        recorded_by=user,
        **{Consent.covers_field(t): True for t in techniques},
    )
    consent._history_user = user
    consent.save()
    consent.scars.set(scars)
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, withdrawn_on: date, user, today: date | None = None) -> Consent:
    """Record that the patient withdrew `consent` on `withdrawn_on`. A withdrawal is never undone."""
    today = today or timezone.localdate()
    # Lock the row and check it as it is now: of two withdrawals sent at once, the second is refused.
    current = Consent.objects.select_for_update().get(pk=consent.pk)
    if current.entered_in_error:
        raise ValidationError({"withdrawn_on": "This consent was entered in error; there is nothing to withdraw."})
    if current.withdrawn_on is not None:
        raise ValidationError({"withdrawn_on": f"Already withdrawn on {current.withdrawn_on:%Y-%m-%d}."})
    if withdrawn_on > today:
        raise ValidationError({"withdrawn_on": "A withdrawal cannot be dated in the future."})
    if withdrawn_on < current.signed_on:
        raise ValidationError({"withdrawn_on": "A consent cannot be withdrawn before it was signed."})
    current.withdrawn_on = withdrawn_on
    current._history_user = user
    current.save(update_fields=["withdrawn_on"])
    consent.withdrawn_on = withdrawn_on
    return current


@transaction.atomic
def scar_course_end(*, scar: Scar, reason: str, note: str = "", user, today: date) -> Scar:
    """A clinician ends the scar's course (RULES.md §6c): it leaves the worklist; its history stays."""
    scar = Scar.objects.select_for_update().get(pk=scar.pk)
    if scar.status != ScarStatus.ACTIVE:
        raise ValidationError("This scar's course has already ended.")
    if reason not in CourseEndReason.values:
        raise ValidationError({"reason": "Choose why the course ends."})
    scar.status, scar.course_ended_on = ScarStatus.RESOLVED, today
    scar.course_end_reason, scar.course_end_note = reason, (note or "").strip()[:300]
    scar._history_user = user
    scar.save(update_fields=["status", "course_ended_on", "course_end_reason", "course_end_note"])
    return scar


@transaction.atomic
def scar_course_reopen(*, scar: Scar, user) -> Scar:
    """Reopen an ended course: the scar is active again (the history keeps when and why it ended)."""
    scar = Scar.objects.select_for_update().get(pk=scar.pk)
    if scar.status == ScarStatus.ACTIVE:
        raise ValidationError("This scar's course is open.")
    scar.status, scar.course_ended_on, scar.course_end_reason, scar.course_end_note = ScarStatus.ACTIVE, None, "", ""
    scar._history_user = user
    scar.save(update_fields=["status", "course_ended_on", "course_end_reason", "course_end_note"])
    return scar
