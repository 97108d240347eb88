"""Build the engine's facts document (`cryocare.facts/1`, RULES.md §2) from the database.

This is the only bridge between stored records and the pure engine; what it reads is what the
engine decides on, and the document is stored with every recorded evaluation.
"""

from datetime import date

from patients.models import PregnancyStatus, Scar

PREGNANT = {PregnancyStatus.YES: True, PregnancyStatus.NO: False, PregnancyStatus.UNKNOWN: None}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _mm(value) -> float | None:
    return None if value is None else float(value)


def scar_history_facts(scar: Scar) -> list[dict]:
    """The scar's past sessions as facts `history` entries (filled by the sessions app)."""
    from sessions.selectors import scar_session_history

    return scar_session_history(scar=scar)


def facts_for(scar: Scar, on_date: date, technique: str, stage: str = "schedule") -> dict:
    patient = scar.patient
    # Entries marked "entered in error" stay in the record but are never read as clinical facts.
    conditions = sorted({c.code for c in patient.conditions.all() if not c.entered_in_error})
    medications = [
        {"code": m.code, "stopped": _iso(m.stopped_on)}
        for m in patient.medications.all()
        if not m.entered_in_error and (m.started_on is None or m.started_on <= on_date)
    ]
    assessments = [a for a in scar.assessments.all() if not a.entered_in_error]
    assessments.sort(key=lambda a: (a.assessed_on, a.pk))
    # The scar's current state (size, site findings, diagnosis) is its latest examination up to the date.
    current = next((a for a in reversed(assessments) if a.assessed_on <= on_date), None)
    return {
        "schema": "cryocare.facts/1",
        "on_date": on_date.isoformat(),
        "stage": str(stage),
        "technique": str(technique),
        "patient": {
            "birth_date": patient.birth_date.isoformat(),
            "sex": patient.sex,
            "fitzpatrick": patient.fitzpatrick,
            "pregnant": PREGNANT[patient.pregnancy_status],
            "consent": patient.consent_date is not None and patient.consent_date <= on_date,
            "conditions": conditions,
            "medications": medications,
        },
        "scar": {
            "morphology": scar.morphology,
            "cause": scar.cause,
            "body_site": scar.body_site,
            "onset_date": _iso(scar.onset_date),
            "length_mm": _mm(current.length_mm) if current else None,
            "width_mm": _mm(current.width_mm) if current else None,
            "height_mm": _mm(current.height_mm) if current else None,
            "site_findings": list(current.site_findings) if current else [],
            "diagnosis_uncertain": current.diagnosis_uncertain if current else False,
        },
        "history": scar_history_facts(scar),
        "assessments": [
            {
                "date": a.assessed_on.isoformat(),
                "vss": {
                    "vascularity": a.vss_vascularity,
                    "pigmentation": a.vss_pigmentation,
                    "pliability": a.vss_pliability,
                    "height": a.vss_height,
                }
                if a.vss_scored
                else None,
            }
            for a in assessments
        ],
    }
