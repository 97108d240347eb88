"""The CDS Hooks service for `appointment-book`: another system asks CryoCare's engine before it books.

The request names the patient by the MRN in its FHIR Patient (prefetch `patient`) and the visit by
its draft Appointment's start (context `appointments`). For each of the patient's scars in an active
course, the facts are built exactly as the app builds them (`sessions.facts.facts_for`, RULES.md
§2a) for that date, then decided by the engine. A Condition or MedicationStatement sent with the
request and coded in CryoCare's own code systems (exchange.codes, as the FHIR export codes them) is
added to those facts; anything coded otherwise is listed in an info card as not checked, never
mapped by guess. Cards: `critical` for a blocking finding, `warning` for one that needs a clinician's
override, `info` for a warning, each with the rule's code, detail and sources; and one `info` card
per scar with the outcome. An unknown patient gets one info card saying that no decision was made.

CryoCare does not fetch anything from the caller's FHIR server: what it needs comes in the request.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.urls import reverse

from clinic.models import Clinic
from exchange import codes
from patients.models import Patient, Scar, ScarStatus
from protocols.codes import Condition, Medication, Technique
from protocols.engine import FactsError
from protocols.rules import source_name
from protocols.services import protocol_evaluate
from sessions.facts import facts_for

SERVICE_ID = "cryocare-appointment-book"
HOOK = "appointment-book"
INDICATOR = {"block": "critical", "override": "warning", "warn": "info"}
OUTCOME_WORDS = {"blocked": "blocked", "needs_override": "needs a clinician's override", "eligible": "eligible"}
MR_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
SOURCE_LABEL = "CryoCare protocol engine"
RULE_SYSTEM = "urn:cryocare:codesystem:rule"


class HookError(ValueError):
    """The request cannot be read as an appointment-book call; the message says what is wrong."""


def discovery() -> dict:
    return {
        "services": [
            {
                "hook": HOOK,
                "id": SERVICE_ID,
                "title": "CryoCare scar cryotherapy protocol check",
                "description": (
                    "Before a cryotherapy visit is booked: checks each of the patient's scars in an active course "
                    "against CryoCare's protocol rules (contraindications, interval, limits) on the draft "
                    "appointment's date, and answers with the findings. The patient is found by the medical "
                    f"record number in prefetch.patient (identifier system {codes.MRN})."
                ),
                "prefetch": {"patient": "Patient/{{context.patientId}}"},
            }
        ]
    }


@dataclass
class Extras:
    conditions: set[str] = field(default_factory=set)
    medications: list[dict] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)


def _resources(value):
    """Every FHIR resource in a prefetch value: the resource itself, or a Bundle's entries."""
    if not isinstance(value, dict):
        return
    if value.get("resourceType") == "Bundle":
        for entry in value.get("entry") or []:
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                yield entry["resource"]
    elif "resourceType" in value:
        yield value


def _codings(concept) -> list[dict]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _words(concept) -> str:
    if not isinstance(concept, dict):
        return "(no code)"
    text = concept.get("text")
    if isinstance(text, str) and text:
        return text
    shown = [f"{c.get('display') or c.get('code')} ({c.get('system') or 'no system'})" for c in _codings(concept)]
    return ", ".join(shown) or "(no code)"


def _date_part(value) -> str | None:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return None
    return None


def request_extras(prefetch: dict) -> Extras:
    """Conditions and medications sent with the request: ours added to the facts, others listed."""
    extras = Extras()
    for value in prefetch.values():
        for resource in _resources(value):
            kind = resource.get("resourceType")
            if kind == "Condition":
                concept = resource.get("code")
                ours = [c["code"] for c in _codings(concept) if c.get("system") == codes.CONDITION]
                if ours and all(code in Condition.values for code in ours):
                    extras.conditions.update(ours)
                else:
                    extras.not_checked.append(f"Condition: {_words(concept)}")
            elif kind == "MedicationStatement":
                concept = resource.get("medicationCodeableConcept")
                ours = [c["code"] for c in _codings(concept) if c.get("system") == codes.MEDICATION]
                if ours and all(code in Medication.values for code in ours):
                    period = resource.get("effectivePeriod")
                    stopped = _date_part(period.get("end")) if isinstance(period, dict) else None
                    extras.medications += [{"code": code, "stopped": stopped} for code in ours]
                else:
                    extras.not_checked.append(f"Medication: {_words(concept)}")
    return extras


def request_mrn(patient: dict) -> str | None:
    """The MRN in a FHIR Patient: the identifier in CryoCare's MRN system, else one typed MR."""
    identifiers = [
        i for i in patient.get("identifier") or [] if isinstance(i, dict) and isinstance(i.get("value"), str)
    ]
    for identifier in identifiers:
        if identifier.get("system") == codes.MRN:
            return identifier["value"]
    for identifier in identifiers:
        if any(c.get("system") == MR_TYPE and c.get("code") == "MR" for c in _codings(identifier.get("type"))):
            return identifier["value"]
    return None


def request_visit(context: dict) -> tuple[date, str]:
    """(the clinic date of the draft appointment's start, the technique it names or contact)."""
    starts, technique = [], Technique.CONTACT
    for appointment in _resources(context.get("appointments")):
        if appointment.get("resourceType") != "Appointment":
            continue
        start = appointment.get("start")
        if isinstance(start, str):
            try:
                moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
            except ValueError:
                raise HookError(f"context.appointments: the start {start!r} is not a FHIR instant.") from None
            if moment.tzinfo is None:
                raise HookError(f"context.appointments: the start {start!r} has no time zone.")
            starts.append(moment)
        for concept in [*(appointment.get("serviceType") or []), appointment.get("appointmentType")]:
            for coding in _codings(concept):
                if coding.get("system") == codes.TECHNIQUE and coding.get("code") in Technique.values:
                    technique = coding["code"]
    if not starts:
        raise HookError("context.appointments holds no Appointment with a start: nothing to decide on.")
    return Clinic.current().date_of(min(starts)), technique


def _card(summary: str, indicator: str, detail: str, topic: dict | None = None) -> dict:
    source = {"label": SOURCE_LABEL, "url": settings.SITE_URL.rstrip("/") + reverse("protocols:rules")}
    if topic:
        source["topic"] = topic
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary[:140],
        "indicator": indicator,
        "detail": detail,
        "source": source,
    }


def finding_card(scar: Scar, finding: dict) -> dict:
    sources = ", ".join(source_name(s) for s in finding["sources"])
    return _card(
        f"{finding['code']} {finding['title']}: {scar.label}",
        INDICATOR[finding["severity"]],
        f"{finding['detail']}\n\nRule {finding['code']} ({finding['severity']}), scar: {scar.label}. "
        f"Sources: {sources}.",
        {"system": RULE_SYSTEM, "code": finding["code"], "display": finding["title"]},
    )


@dataclass
class Answer:
    patient: Patient | None
    on: date | None
    cards: list[dict]
    decisions: dict[int, dict] = field(default_factory=dict)  # scar id → the engine's decision


def appointment_book(body: object) -> Answer:
    """The cards for one appointment-book request (a parsed JSON body); HookError if it is malformed."""
    if not isinstance(body, dict):
        raise HookError("The request must be a JSON object.")
    if body.get("hook") != HOOK:
        raise HookError(f"This service answers the {HOOK!r} hook, not {body.get('hook')!r}.")
    context = body.get("context")
    if not isinstance(context, dict):
        raise HookError("context is required.")
    prefetch = body.get("prefetch") if isinstance(body.get("prefetch"), dict) else {}
    fhir_patient = prefetch.get("patient")
    if not isinstance(fhir_patient, dict) or fhir_patient.get("resourceType") != "Patient":
        raise HookError("prefetch.patient must hold the FHIR Patient: CryoCare does not fetch from your FHIR server.")
    on, technique = request_visit(context)
    mrn = request_mrn(fhir_patient)
    patient = Patient.objects.filter(mrn=mrn, archived=False).first() if mrn else None
    if patient is None:
        said = f"the medical record number {mrn!r}" if mrn else "no medical record number"
        return Answer(None, on, [_card(
            "No decision made: patient not found in CryoCare",
            "info",
            f"The request's patient has {said}; no CryoCare patient matches, so the protocol was not checked.",
        )])  # fmt: skip
    extras = request_extras(prefetch)
    answer = Answer(patient, on, [])
    scars = Scar.objects.filter(patient=patient, status=ScarStatus.ACTIVE).order_by("pk")
    for scar in scars:
        facts = facts_for(scar, on, technique)
        facts["patient"]["conditions"] = sorted(set(facts["patient"]["conditions"]) | extras.conditions)
        facts["patient"]["medications"] = facts["patient"]["medications"] + extras.medications
        try:
            decision = protocol_evaluate(facts)
        except FactsError as error:
            problems = "; ".join(f"{e['field']}: {e['message']}" for e in error.errors)
            answer.cards.append(_card(f"No decision for {scar.label}: the record is incomplete", "warning", problems))
            continue
        answer.decisions[scar.pk] = decision
        answer.cards += [finding_card(scar, f) for f in decision["findings"]]
        answer.cards.append(
            _card(
                f"{scar.label}: {OUTCOME_WORDS[decision['outcome']]} on {on:%Y-%m-%d} "
                f"({Technique(technique).label.lower()})",
                "info",
                f"{len(decision['findings'])} finding(s) for this scar on {on:%Y-%m-%d}, "
                f"ruleset {decision['ruleset']}.",
            )
        )
    if not scars:
        answer.cards.append(_card("No scar in an active course: nothing to check", "info", "No decision was made."))
    if extras.not_checked:
        answer.cards.append(
            _card(
                "Not checked: items coded outside CryoCare's code systems",
                "info",
                "These were sent with the request but are not coded in CryoCare's own code systems, so the "
                "protocol did not read them (they are never mapped by guess). Judge them yourself:\n\n"
                + "\n".join(f"- {item}" for item in extras.not_checked),
            )
        )
    return answer
