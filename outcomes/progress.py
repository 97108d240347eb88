"""One scar's progress over its course: the measured series, the chart drawn from them, the course
summary (sessions done, response since baseline, the engine's word on non-response and the goal,
RULES.md §7's expected course).

Assessments entered in error are left out, as the engine leaves them out; sessions are the ones the
engine counts (`sessions.selectors.freezes`, RULES.md §2a.2). Baseline is the earliest assessment
that has the measure, latest the most recent one on or before the day asked about.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from outcomes.expected import Guidance, expected_course
from patients.models import Scar, ScarAssessment
from patients.selectors import scar_assessments
from protocols.codes import Technique
from protocols.engine import FactsError
from sessions.decisions import scar_decision
from sessions.selectors import freezes


class Measure(NamedTuple):
    key: str
    label: str
    unit: str
    low: float
    high: float | None  # None: no upper bound (sizes)


# The measures followed, in the order the chart and table show them. VSS totals run 0–13; each
# POSAS 2.0 total is six items of 1–10; sizes have no upper bound.
MEASURES = [
    Measure("vss", "VSS total", "points", 0, 13),
    Measure("posas_observer", "POSAS observer total", "points", 6, 60),
    Measure("posas_patient", "POSAS patient total", "points", 6, 60),
    Measure("height", "Height", "mm", 0, None),
    Measure("area", "Area (length × width)", "mm²", 0, None),
]
MEASURE_BY_KEY = {m.key: m for m in MEASURES}
FOLLOWED_RULES = ("REL-13", "STP-01")  # non-response, goal reached
RESPONSE_MEASURES = ("vss", "area", "height")  # the course summary's "response so far"


def _area(a: ScarAssessment) -> float | None:
    if a.length_mm is None or a.width_mm is None:
        return None
    return float(a.length_mm) * float(a.width_mm)


def measure_values(a: ScarAssessment) -> dict[str, float | None]:
    return {
        "vss": a.vss_total,
        "posas_observer": a.posas_observer_total,
        "posas_patient": a.posas_patient_total,
        "height": float(a.height_mm) if a.height_mm is not None else None,
        "area": _area(a),
    }


@dataclass
class Point:
    on: date
    values: dict[str, float | None]
    assessment: ScarAssessment

    @property
    def in_order(self) -> list[float | None]:
        """The values in MEASURES order, as the table's columns."""
        return [self.values[m.key] for m in MEASURES]


@dataclass
class Change:
    """A measure's baseline and latest values and the change between them (negative = smaller)."""

    key: str
    baseline: float
    baseline_on: date
    latest: float
    latest_on: date

    @property
    def label(self) -> str:
        return MEASURE_BY_KEY[self.key].label

    @property
    def points(self) -> float:
        return self.latest - self.baseline

    @property
    def percent(self) -> float | None:
        return None if not self.baseline else 100 * (self.latest - self.baseline) / self.baseline


@dataclass
class Progress:
    scar: Scar
    on: date
    points: list[Point]
    sessions: list[date]
    changes: dict[str, Change]
    technique: str
    findings: list[dict] = field(default_factory=list)
    decision_errors: list[dict] = field(default_factory=list)
    expected: list[Guidance] = field(default_factory=list)

    @property
    def sessions_done(self) -> int:
        return len(self.sessions)

    @property
    def technique_label(self) -> str:
        return Technique(self.technique).label

    @property
    def response(self) -> list[tuple[str, str, str, "Change | None"]]:
        """The course summary's response so far: (key, label, unit, change or None) for VSS, area, height."""
        return [
            (key, MEASURE_BY_KEY[key].label, MEASURE_BY_KEY[key].unit, self.changes.get(key))
            for key in RESPONSE_MEASURES
        ]


def assessments_until(scar: Scar, on: date) -> list[ScarAssessment]:
    """The scar's assessments up to `on`, oldest first, with their assessor and photos (not those in error)."""
    return list(
        scar_assessments(scar=scar).filter(entered_in_error=False, assessed_on__lte=on).order_by("assessed_on", "pk")
    )


def change_of(points: list[Point], key: str) -> Change | None:
    measured = [p for p in points if p.values[key] is not None]
    if len(measured) < 2:
        return None
    first, last = measured[0], measured[-1]
    return Change(key, first.values[key], first.on, last.values[key], last.on)


def scar_progress(scar: Scar, on: date) -> Progress:
    """Everything the progress page shows about `scar` as of `on`. Reads only; writes nothing."""
    points = [Point(a.assessed_on, measure_values(a), a) for a in assessments_until(scar, on)]
    course = list(
        freezes()
        .filter(scar=scar, performed_on__lte=on)
        .order_by("performed_on", "pk")
        .values_list("performed_on", "technique")
    )
    technique = course[-1][1] if course else Technique.CONTACT
    progress = Progress(
        scar=scar,
        on=on,
        points=points,
        sessions=[day for day, _ in course],
        changes={m.key: change for m in MEASURES if (change := change_of(points, m.key))},
        technique=technique,
        expected=expected_course(scar.morphology, technique),
    )
    try:
        _, decision = scar_decision(scar=scar, on_date=on, technique=technique)
    except FactsError as error:
        progress.decision_errors = error.errors
    else:
        progress.findings = [f for f in decision["findings"] if f["code"] in FOLLOWED_RULES]
    return progress
