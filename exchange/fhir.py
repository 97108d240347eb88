"""A patient's record as a FHIR R4B Bundle (type `collection`): Patient; a Condition per recorded
condition and per scar; a MedicationStatement per medication; Observations per assessment (each VSS
item and the total, the POSAS totals, the size); a Procedure per treatment session with its
cryotherapy parameters; Appointments; AdverseEvents; the printed sheets as DocumentReference.

Built as plain JSON from the records; the tests validate every demo patient's bundle against the R4B
models of `fhir.resources`. Records entered in error are left out. Codes are CryoCare's own
(exchange.codes). Resource ids are stable: the same record always gets the same id.
"""

import uuid
from datetime import date, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from documents.models import PatientDocument
from exchange import codes
from patients.models import Patient, PatientCondition, PatientMedication, Scar, ScarAssessment
from patients.roles import person_name
from protocols.codes import AdverseEvent, BodySite, Cause, Condition, Medication, Morphology, Technique
from sessions.models import Appointment, AppointmentStatus, Cryogen, SessionAdverseEvent, TreatmentSession
from sessions.selectors import freezes

APPOINTMENT_STATUS = {
    AppointmentStatus.REQUESTED: "pending",
    AppointmentStatus.SCHEDULED: "booked",
    AppointmentStatus.CHECKED_IN: "checked-in",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
}
GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
_NAMESPACE = uuid.UUID("6f1d2c1e-8f3b-4c55-9a51-3c2f0d7e9b10")


def resource_id(kind: str, pk: int) -> str:
    """A record's stable id in the export, the same on every export of this site."""
    return str(uuid.uuid5(_NAMESPACE, f"{settings.SITE_URL}|{kind}|{pk}"))


def ref(kind: str, pk: int, display: str = "") -> dict:
    reference = {"reference": f"urn:uuid:{resource_id(kind, pk)}"}
    if display:
        reference["display"] = display
    return reference


def _coding(system: str, code: str, display: str) -> dict:
    return {"system": system, "code": code, "display": display}


def _concept(system: str, code: str, display: str) -> dict:
    return {"coding": [_coding(system, code, display)], "text": display}


def _instant(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _day(day: date) -> str:
    return day.isoformat()


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def patient_resource(patient: Patient) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": resource_id("Patient", patient.pk),
        "identifier": [{"system": codes.MRN, "value": patient.mrn}],
        "active": not patient.archived,
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "gender": GENDER.get(patient.sex, "unknown"),
        "birthDate": _day(patient.birth_date),
        "communication": [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.preferred_language}]}}
        ],
    }
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        resource["telecom"] = telecom
    return resource


def _clinical(code: str) -> dict:
    return {"coding": [{"system": codes.CONDITION_CLINICAL, "code": code}]}


def condition_resource(condition: PatientCondition) -> dict:
    resource = {
        "resourceType": "Condition",
        "id": resource_id("PatientCondition", condition.pk),
        "clinicalStatus": _clinical("active"),
        "verificationStatus": {"coding": [{"system": codes.CONDITION_VERIFICATION, "code": "confirmed"}]},
        "category": [{"coding": [{"system": codes.CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": _concept(codes.CONDITION, condition.code, Condition(condition.code).label),
        "subject": ref("Patient", condition.patient_id),
    }
    if condition.onset_date:
        resource["onsetDateTime"] = _day(condition.onset_date)
    if condition.note:
        resource["note"] = [{"text": condition.note}]
    return resource


def scar_resource(scar: Scar) -> dict:
    site = BodySite(scar.body_site).label
    resource = {
        "resourceType": "Condition",
        "id": resource_id("Scar", scar.pk),
        "clinicalStatus": _clinical("active" if scar.status == "active" else "inactive"),
        "category": [{"coding": [{"system": codes.CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": _concept(codes.SCAR_MORPHOLOGY, scar.morphology, f"{Morphology(scar.morphology).label} scar"),
        "bodySite": [
            {
                "coding": [_coding(codes.BODY_SITE, scar.body_site, site)],
                "text": f"{site}, {scar.get_laterality_display().lower()}" if scar.laterality else site,
            }
        ],
        "subject": ref("Patient", scar.patient_id),
        "extension": [
            {"url": codes.EXT_SCAR_CAUSE, "valueCoding": _coding(codes.SCAR_CAUSE, scar.cause, Cause(scar.cause).label)}
        ],
    }
    if scar.laterality:
        resource["extension"].append({"url": codes.EXT_LATERALITY, "valueCode": scar.laterality})
    if scar.onset_date:
        resource["onsetDateTime"] = _day(scar.onset_date)
    if scar.note:
        resource["note"] = [{"text": scar.note}]
    return resource


def medication_resource(medication: PatientMedication, today: date) -> dict:
    still_taking = medication.stopped_on is None or medication.stopped_on >= today
    concept = _concept(codes.MEDICATION, medication.code, Medication(medication.code).label)
    if medication.drug_name:
        concept["text"] = medication.drug_name
    resource = {
        "resourceType": "MedicationStatement",
        "id": resource_id("PatientMedication", medication.pk),
        "status": "active" if still_taking else "completed",
        "medicationCodeableConcept": concept,
        "subject": ref("Patient", medication.patient_id),
    }
    period = {}
    if medication.started_on:
        period["start"] = _day(medication.started_on)
    if medication.stopped_on:
        period["end"] = _day(medication.stopped_on)
    if period:
        resource["effectivePeriod"] = period
    return resource


def observation_resources(assessment: ScarAssessment) -> list[dict]:
    resources = []
    for code, display, field, unit in codes.MEASURES:
        value = getattr(assessment, field)  # a field or a total (vss_total, posas_*_total)
        if value is None:
            continue
        resource = {
            "resourceType": "Observation",
            "id": resource_id(f"ScarAssessment:{code}", assessment.pk),
            "status": "final",
            "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "exam"}]}],
            "code": _concept(codes.OBSERVATION, code, display),
            "subject": ref("Patient", assessment.scar.patient_id),
            "focus": [ref("Scar", assessment.scar_id)],
            "effectiveDateTime": _day(assessment.assessed_on),
            "performer": [{"display": person_name(assessment.assessor)}],
        }
        if unit:
            resource["valueQuantity"] = {"value": float(value), "unit": unit, "system": codes.UCUM, "code": unit}
        else:
            resource["valueInteger"] = int(value)
        resources.append(resource)
    return resources


def procedure_resource(session: TreatmentSession) -> dict:
    technique = Technique(session.technique).label
    extensions = [{"url": codes.EXT_CRYOGEN, "valueCode": session.cryogen}]
    for url, value in (
        (codes.EXT_FREEZE_SECONDS, session.freeze_seconds),
        (codes.EXT_CYCLES, session.cycles),
        (codes.EXT_THAW_SECONDS, session.thaw_seconds),
    ):
        if value is not None:
            extensions.append({"url": url, "valueInteger": value})
    if session.applicator:
        extensions.append({"url": codes.EXT_APPLICATOR, "valueString": session.applicator})
    parameters = ", ".join(
        part
        for part in (
            f"{technique} cryotherapy, {Cryogen(session.cryogen).label.lower()}",
            f"freeze {session.freeze_seconds} s" if session.freeze_seconds is not None else "",
            f"{session.cycles} freeze–thaw cycle(s)" if session.cycles is not None else "",
            f"thaw {session.thaw_seconds} s" if session.thaw_seconds is not None else "",
        )
        if part
    )
    resource = {
        "resourceType": "Procedure",
        "id": resource_id("TreatmentSession", session.pk),
        "status": "completed",
        "code": {
            "coding": [
                _coding(codes.PROCEDURE, "cryotherapy", "Cryotherapy of a scar"),
                _coding(codes.TECHNIQUE, session.technique, technique),
            ],
            "text": f"Cryotherapy ({technique.lower()})",
        },
        "subject": ref("Patient", session.scar.patient_id),
        "performedDateTime": _day(session.performed_on),
        "reasonReference": [ref("Scar", session.scar_id)],
        "bodySite": [
            {"coding": [_coding(codes.BODY_SITE, session.scar.body_site, BodySite(session.scar.body_site).label)]}
        ],
        "note": [{"text": parameters}],
        "extension": extensions,
    }
    if session.completed_by_id:
        resource["performer"] = [{"actor": {"display": person_name(session.completed_by)}}]
    return resource


def appointment_resource(appointment: Appointment) -> dict:
    resource = {
        "resourceType": "Appointment",
        "id": resource_id("Appointment", appointment.pk),
        "status": APPOINTMENT_STATUS[appointment.status],
        "serviceType": [{"text": appointment.get_kind_display()}],
        "start": _instant(appointment.starts_at),
        "end": _instant(appointment.ends_at),
        "participant": [
            {"actor": ref("Patient", appointment.patient_id), "status": "accepted"},
            {"actor": {"display": person_name(appointment.clinician)}, "status": "accepted"},
            {"actor": {"display": appointment.room.name}, "status": "accepted"},
        ],
    }
    planned = [p.scar_id for p in appointment.planned.all()]
    if planned:
        resource["reasonReference"] = [ref("Scar", scar_id) for scar_id in planned]
    if appointment.status == AppointmentStatus.CANCELLED and appointment.cancel_reason:
        resource["cancelationReason"] = {"text": appointment.cancel_reason}
    return resource


def adverse_event_resource(event: SessionAdverseEvent) -> dict:
    session = event.session
    resource = {
        "resourceType": "AdverseEvent",
        "id": resource_id("SessionAdverseEvent", event.pk),
        "actuality": "actual",
        "event": _concept(codes.ADVERSE_EVENT, event.code, AdverseEvent(event.code).label),
        "subject": ref("Patient", session.scar.patient_id),
        "date": _day(event.onset_on or session.performed_on),
        "recordedDate": _instant(event.recorded_at),
        "outcome": {
            "coding": [{"system": codes.ADVERSE_EVENT_OUTCOME, "code": "resolved" if event.resolved_on else "ongoing"}]
        },
        "suspectEntity": [{"instance": ref("TreatmentSession", session.pk)}],
    }
    if event.severity:
        resource["severity"] = {"coding": [{"system": codes.ADVERSE_EVENT_SEVERITY, "code": event.severity}]}
    return resource


def document_resource(document: PatientDocument) -> dict:
    return {
        "resourceType": "DocumentReference",
        "id": resource_id("PatientDocument", document.pk),
        "status": "current",
        "type": _concept(codes.DOCUMENT_KIND, document.kind, document.get_kind_display()),
        "subject": ref("Patient", document.patient_id),
        "date": _instant(document.printed_at),
        "description": f"{document.get_kind_display()}, version {document.version}",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "language": document.language,
                    "url": _site_url(reverse("documents:document_pdf", args=[document.pk])),
                    "title": f"{document.get_kind_display()} v{document.version}",
                    "creation": _instant(document.printed_at),
                }
            }
        ],
    }


def patient_bundle(patient: Patient, *, now: datetime | None = None) -> dict:
    """The patient's record as a FHIR R4B Bundle of type `collection`, as a JSON-ready dict."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    resources = [patient_resource(patient)]
    resources += [condition_resource(c) for c in patient.conditions.filter(entered_in_error=False).order_by("pk")]
    resources += [
        medication_resource(m, today) for m in patient.medications.filter(entered_in_error=False).order_by("pk")
    ]
    scars = list(Scar.objects.filter(patient=patient).order_by("pk"))
    resources += [scar_resource(s) for s in scars]
    assessments = (
        ScarAssessment.objects.filter(scar__patient=patient, entered_in_error=False)
        .select_related("scar", "assessor")
        .order_by("assessed_on", "pk")
    )
    for assessment in assessments:
        resources += observation_resources(assessment)
    sessions = (
        freezes().filter(scar__patient=patient).select_related("scar", "completed_by").order_by("performed_on", "pk")
    )
    resources += [procedure_resource(s) for s in sessions]
    appointments = (
        Appointment.objects.filter(patient=patient)
        .select_related("clinician", "room")
        .prefetch_related("planned")
        .order_by("starts_at", "pk")
    )
    resources += [appointment_resource(a) for a in appointments]
    events = (
        SessionAdverseEvent.objects.filter(session__in=sessions, entered_in_error=False)
        .select_related("session__scar")
        .order_by("pk")
    )
    resources += [adverse_event_resource(e) for e in events]
    resources += [document_resource(d) for d in PatientDocument.objects.filter(patient=patient).order_by("pk")]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": _instant(now)},
        "identifier": {"system": codes.MRN, "value": patient.mrn},
        "type": "collection",
        "timestamp": _instant(now),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
