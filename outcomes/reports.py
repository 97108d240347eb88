"""What the clinic learns from its own results over a period: one function per report, each giving
a title, what it counts, columns and rows, so the page and its CSV export are the same figures.

The period is a range of clinic dates, both ends included. "Treated in the period" means at least
one session (RULES.md §2a.2: `sessions.selectors.freezes`) performed in it. A scar's baseline is
its earliest assessment with a VSS, its latest the most recent with a VSS on or before the period's
end (as REL-13 reads them). Nothing here names a patient.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from statistics import mean

from django.db.models import Count

from clinic.models import Clinic
from patients.models import VSS_ITEMS, CourseEndReason, Scar, ScarAssessment
from protocols.codes import AdverseEvent, Cause, Morphology, Technique
from protocols.models import Evaluation, Outcome
from protocols.rules import RULES, goal_reached
from sessions.models import Appointment, AppointmentStatus, SessionAdverseEvent
from sessions.selectors import freezes

DECIDED_STATUSES = (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED)
# How many override reasons a rule's row quotes (the most recent); the count says how many there were.
REASONS_SHOWN = 5


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"

    def moments(self) -> tuple[datetime, datetime]:
        """The period as instants in the clinic's zone: [start 00:00, the day after end 00:00)."""
        zone = Clinic.current().zone
        return (
            datetime.combine(self.start, time(0), tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone),
        )


class PeriodData:
    """The reads several reports share (the scars treated, their VSS scores), made once per page."""

    def __init__(self, period: Period):
        self.period = period

    @cached_property
    def vss_by_scar(self) -> dict[int, list["VssScore"]]:
        return _vss_by_scar(_treated_scars(self.period), self.period.end)


@dataclass
class Report:
    name: str
    title: str
    counts: str  # what is counted, in a sentence
    columns: list[str]
    rows: list[list]


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _sessions(period: Period):
    return freezes().filter(performed_on__gte=period.start, performed_on__lte=period.end)


def _treated_scars(period: Period):
    """The ids of the scars treated in the period, as a subquery (never a list of ids in Python)."""
    return _sessions(period).values("scar_id")


def scars_treated(data: PeriodData) -> Report:
    period = data.period
    scars = (
        Scar.objects.filter(pk__in=_treated_scars(period))
        .values("morphology", "cause")
        .annotate(n=Count("pk"))
        .order_by("morphology", "cause")
    )
    rows = [[Morphology(s["morphology"]).label, Cause(s["cause"]).label, s["n"]] for s in scars]
    return Report(
        "scars-treated",
        "Scars treated, by morphology and cause",
        "Scars with at least one session in the period.",
        ["Morphology", "Cause", "Scars"],
        rows,
    )


def sessions_per_scar(data: PeriodData) -> Report:
    period = data.period
    per_scar = Counter(_sessions(period).values_list("scar_id", flat=True))
    spread = Counter(per_scar.values())
    total = len(per_scar)
    rows = [[sessions, scars, _percent(scars, total)] for sessions, scars in sorted(spread.items())]
    if per_scar:
        rows.append(["Mean", round(mean(per_scar.values()), 2), None])
    return Report(
        "sessions-per-scar",
        "Sessions per scar",
        "For each scar treated in the period, its sessions in the period.",
        ["Sessions in the period", "Scars", "Share of scars (%)"],
        rows,
    )


@dataclass(frozen=True)
class VssScore:
    on: date
    total: int
    pliability: int
    height: int


def _vss_by_scar(scars, until: date) -> dict[int, list[VssScore]]:
    """Each scar's VSS scores on or before `until`, oldest first (`scars`: a subquery of ids)."""
    by_scar: dict[int, list[VssScore]] = defaultdict(list)
    rows = (
        ScarAssessment.objects.filter(
            scar_id__in=scars, entered_in_error=False, assessed_on__lte=until, vss_vascularity__isnull=False
        )
        .order_by("scar_id", "assessed_on", "pk")
        .values_list("scar_id", "assessed_on", *VSS_ITEMS)
    )
    for scar_id, on, vascularity, pigmentation, pliability, height in rows.iterator(chunk_size=5000):
        by_scar[scar_id].append(VssScore(on, vascularity + pigmentation + pliability + height, pliability, height))
    return by_scar


def goal_reached_share(data: PeriodData) -> Report:
    period = data.period
    treated = _treated_scars(period)
    treated_count = Scar.objects.filter(pk__in=treated).count()
    latest = {scar_id: scores[-1] for scar_id, scores in data.vss_by_scar.items()}
    by_vss = {
        scar_id
        for scar_id, score in latest.items()
        if goal_reached({"height": score.height, "pliability": score.pliability})
    }
    ended = set(
        Scar.objects.filter(
            pk__in=treated, course_end_reason=CourseEndReason.GOAL_REACHED, course_ended_on__lte=period.end
        ).values_list("pk", flat=True)
    )
    reached = by_vss | ended
    rows = [
        ["Scars treated in the period", treated_count, None],
        ["Latest VSS meets the goal (STP-01)", len(by_vss), _percent(len(by_vss), treated_count)],
        ["Course ended as goal reached", len(ended), _percent(len(ended), treated_count)],
        ["Goal reached (either)", len(reached), _percent(len(reached), treated_count)],
    ]
    return Report(
        "goal-reached",
        "Share of scars reaching the goal",
        "Scars treated in the period whose latest VSS (by the period's end) meets STP-01's goal, "
        "or whose course a clinician ended as goal reached.",
        ["", "Scars", "Share (%)"],
        rows,
    )


def vss_change(data: PeriodData) -> Report:
    period = data.period
    techniques = dict(
        _sessions(period).order_by("scar_id", "performed_on", "pk").values_list("scar_id", "technique")
    )  # each scar's technique in its latest session of the period
    morphologies = dict(Scar.objects.filter(pk__in=_treated_scars(period)).values_list("pk", "morphology"))
    groups: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for scar_id, scores in data.vss_by_scar.items():
        if len(scores) < 2:
            continue  # one VSS is baseline and latest at once: no change to measure
        baseline, latest = scores[0].total, scores[-1].total
        groups[(morphologies[scar_id], techniques[scar_id])].append((baseline, latest))
    rows = []
    for (morphology, technique), pairs in sorted(groups.items()):
        baseline = mean(b for b, _ in pairs)
        latest = mean(lt for _, lt in pairs)
        rows.append(
            [
                Morphology(morphology).label,
                Technique(technique).label,
                len(pairs),
                round(baseline, 2),
                round(latest, 2),
                round(latest - baseline, 2),
                _percent(latest - baseline, baseline) if baseline else None,
            ]
        )
    return Report(
        "vss-change",
        "Mean VSS change from baseline, by morphology and technique",
        "Scars treated in the period with at least two VSS scores: baseline (earliest) to latest by the "
        "period's end; technique of the scar's latest session in the period. Negative is better.",
        ["Morphology", "Technique", "Scars", "Mean baseline VSS", "Mean latest VSS", "Mean change", "Change (%)"],
        rows,
    )


def adverse_events(data: PeriodData) -> Report:
    period = data.period
    sessions = _sessions(period)
    total = sessions.count()
    counts = dict(
        SessionAdverseEvent.objects.filter(session__in=sessions, entered_in_error=False)
        .values_list("code")
        .annotate(n=Count("pk"))
        .values_list("code", "n")
    )
    rows = [
        [code, AdverseEvent(code).label, counts[code], round(100 * counts[code] / total, 1) if total else None]
        for code in AdverseEvent.values
        if code in counts
    ]
    rows.append(["", "Sessions in the period", total, None])
    return Report(
        "adverse-events",
        "Adverse events per 100 sessions",
        "Adverse events recorded on the period's sessions (not those entered in error), by code.",
        ["Code", "Adverse event", "Events", "Per 100 sessions"],
        rows,
    )


def engine_outcomes(data: PeriodData) -> Report:
    period = data.period
    start, end = period.moments()
    counts = (
        Evaluation.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("purpose", "outcome")
        .annotate(n=Count("pk"))
        .order_by("purpose", "outcome")
    )
    purposes = dict(Evaluation.Purpose.choices)
    outcomes = dict(Outcome.choices)
    rows = [[purposes[c["purpose"]], outcomes[c["outcome"]], c["n"]] for c in counts]
    return Report(
        "engine-outcomes",
        "The protocol engine's decisions",
        "Decisions stored in the period (every booking, check-in and override asks the engine and keeps its "
        "answer), by what they were for and their outcome.",
        ["Decision for", "Outcome", "Decisions"],
        rows,
    )


def rules_fired(data: PeriodData) -> Report:
    period = data.period
    start, end = period.moments()
    fired: Counter[str] = Counter()
    overridden: Counter[str] = Counter()
    reasons: dict[str, list[str]] = defaultdict(list)
    evaluations = (
        Evaluation.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("decision", "override__reason")
        .order_by("-created_at", "-pk")
    )
    for decision, reason in evaluations.iterator(chunk_size=2000):
        codes = {f["code"] for f in decision.get("findings", [])}
        fired.update(codes)
        if reason is not None:
            overriding = {f["code"] for f in decision["findings"] if f["severity"] == "override"}
            overridden.update(overriding)
            for code in overriding:
                reasons[code].append(reason)
    titles = {r.code: r.title for r in RULES}
    rows = [
        [
            code,
            titles.get(code, ""),
            fired[code],
            overridden[code],
            " | ".join(reasons[code][:REASONS_SHOWN]),
        ]
        for code in sorted(fired)
    ]
    return Report(
        "rules",
        "How often each rule fired and was overridden",
        "Over the decisions stored in the period: how many had the rule among their findings, how many of "
        f"those a clinician overrode, and the most recent {REASONS_SHOWN} reasons given.",
        ["Rule", "Title", "Fired", "Overridden", "Override reasons (most recent first)"],
        rows,
    )


def attendance(data: PeriodData) -> Report:
    period = data.period
    start, end = period.moments()
    counts = dict(
        Appointment.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=AppointmentStatus.REQUESTED)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    total = sum(counts.values())
    # Rates are over the visits whose fate is known: those still to come (or under way) would dilute them.
    decided = sum(counts.get(status, 0) for status in DECIDED_STATUSES)
    rows = [
        [AppointmentStatus(status).label, counts.get(status, 0), _percent(counts.get(status, 0), total)]
        for status in AppointmentStatus.values
        if status != AppointmentStatus.REQUESTED
    ]
    rows += [
        ["All booked visits", total, None],
        [
            "No-show rate (of visits completed, missed or cancelled)",
            decided,
            _percent(counts.get("no_show", 0), decided),
        ],
        ["Cancellation rate (of the same)", decided, _percent(counts.get("cancelled", 0), decided)],
    ]
    return Report(
        "attendance",
        "No-shows and cancellations",
        "Visits booked for the period (requests never confirmed left out), by what became of them; the rates "
        "count only visits completed, missed or cancelled.",
        ["Status", "Visits", "Share (%)"],
        rows,
    )


REPORTS = {
    "scars-treated": scars_treated,
    "sessions-per-scar": sessions_per_scar,
    "goal-reached": goal_reached_share,
    "vss-change": vss_change,
    "adverse-events": adverse_events,
    "engine-outcomes": engine_outcomes,
    "rules": rules_fired,
    "attendance": attendance,
}


def quarter_of(day: date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    next_start = date(day.year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1)
    return Period(start, next_start - timedelta(days=1))
