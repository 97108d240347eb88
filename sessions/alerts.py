"""The alerts in the patient banner: each condition and medication the protocol's rules read, as the
engine would see it today (a hypersensitivity derived from a reaction on another scar included),
with what the rules do with it: block, need a clinician's override, or warn."""

from dataclasses import dataclass
from datetime import date

from protocols.codes import Condition, Medication
from protocols.rules import BLOCK, ISOTRETINOIN_WASHOUT, OVERRIDE, SEVERITY_RANK, WARN, rules_reading
from sessions.facts import derived_conditions, patient_medications, recorded_conditions

EFFECT_WORDS = {BLOCK: "blocks cryotherapy", OVERRIDE: "needs a clinician's override", WARN: "warning"}


@dataclass(frozen=True)
class Effect:
    severity: str
    code: str
    title: str

    @property
    def words(self) -> str:
        return EFFECT_WORDS[self.severity]


@dataclass(frozen=True)
class Alert:
    label: str
    detail: str
    effects: tuple[Effect, ...]

    @property
    def severity(self) -> str:
        """The strongest of its effects (the alert's colour and word)."""
        return min((e.severity for e in self.effects), key=SEVERITY_RANK.__getitem__)

    @property
    def words(self) -> str:
        return EFFECT_WORDS[self.severity]


def _effects(code: str) -> tuple[Effect, ...]:
    return tuple(Effect(rule.severity, rule.code, rule.title) for rule in rules_reading(code))


def patient_alerts(patient, *, today: date) -> list[Alert]:
    """Most severe first. A medication stopped before `today` is left out, except isotretinoin within
    its washout (WRN-04 reads it for a year after it stops)."""
    alerts = []
    recorded = recorded_conditions(patient)
    derived = derived_conditions(patient) - recorded
    for code in sorted(recorded | derived):  # as `facts.patient_conditions`, knowing which are derived
        effects = _effects(code)
        if effects:
            detail = "from a reaction on an earlier session" if code in derived else ""
            alerts.append(Alert(Condition(code).label, detail, effects))
    for medication in patient_medications(patient, today):
        stopped = medication.stopped_on
        if stopped is not None and stopped < today:
            if medication.code != Medication.ISOTRETINOIN or today - stopped > ISOTRETINOIN_WASHOUT:
                continue
        effects = _effects(medication.code)
        if effects:
            detail = ", ".join(
                filter(
                    None, [medication.drug_name, f"stopped {stopped:%Y-%m-%d}" if stopped and stopped < today else ""]
                )
            )
            alerts.append(Alert(Medication(medication.code).label, detail, effects))
    return sorted(alerts, key=lambda a: SEVERITY_RANK[a.severity])
