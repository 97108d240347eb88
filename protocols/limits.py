"""The numbers RULES.md v1.1 fixes, declared once: §6 hard limits and §6b parameter bounds.

- §6 hard limits of a treatment record. They catch typing errors only ("so that a freeze that
  really happened can always be recorded and signed; no reason overrides them") and are fixed
  numbers, whatever the clinic's parameters. `treatment_problems()` checks a record's numbers.
- §6b bounds of the protocol parameters a clinic may tune ("a value outside them is refused").
  `parameter_problems()` checks parameter values by their field names (those of
  `protocols.models.ProtocolParameters`); the engine (`normalise_parameters`), the model (`clean()`
  and its CHECK constraints) and the parameters page all read these bounds.

Both return `Problem`s: the field at fault and what is wrong, as a phrase that follows the field's
name ("must be 14–28 days (RULES.md §6b), not 30"); `Problem.sentence` is the form's wording.

Pure: the standard library and `protocols.codes` only; no ORM, clock or settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import NamedTuple

from protocols.codes import Technique


class Problem(NamedTuple):
    field: str
    message: str

    @property
    def sentence(self) -> str:
        """The message as a form shows it: "Must be 14–28 days (RULES.md §6b), not 30."."""
        return self.message[:1].upper() + self.message[1:] + ("" if self.message.endswith(".") else ".")


def _is_whole_number(value: object) -> bool:
    return type(value) is int  # `True` is not a number of seconds


# --- §6 hard limits of a treatment record ----------------------------------------------------

HARD_LIMIT = "RULES.md §6 hard limit"
# "a freeze is more than 0 s and at most spray 40 s, contact 60 s, intralesional 180 s"
HARD_MAX_FREEZE_SECONDS: dict[str, int] = {
    Technique.SPRAY.value: 40,
    Technique.CONTACT.value: 60,
    Technique.INTRALESIONAL.value: 180,
}
# "cycles are 1–3 for every technique"
HARD_MIN_CYCLES = 1
HARD_MAX_CYCLES = 3
# "start and end times are required to sign, the end after the start and at most 180 minutes later"
HARD_MAX_SESSION_MINUTES = 180
# "the observation time is recorded (0–120 min)"
HARD_MIN_OBSERVATION_MINUTES = 0
HARD_MAX_OBSERVATION_MINUTES = 120

TREATMENT_FIELDS = ("freeze_seconds", "cycles", "started_at", "ended_at", "observation_minutes")


def _minutes_between(start: time | datetime, end: time | datetime) -> float:
    """Minutes from `start` to `end`: two times of one day, or two datetimes."""
    if isinstance(start, datetime) and isinstance(end, datetime):
        return (end - start).total_seconds() / 60
    if isinstance(start, datetime) or isinstance(end, datetime):
        raise TypeError("started_at and ended_at must both be times or both be datetimes")
    return (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 60


def treatment_problems(
    *,
    technique: str | None,
    freeze_seconds: int | None,
    cycles: int | None,
    started_at: time | datetime | None,
    ended_at: time | datetime | None,
    observation_minutes: int | None,
    signing: bool = False,
) -> list[Problem]:
    """The §6 hard limits a treatment record breaks, by field (`freeze_seconds`, `cycles`, `ended_at`,
    `observation_minutes`; and, with `signing`, `started_at` too).

    A value not yet recorded (None) breaks nothing, except that `signing` needs the start and end
    times and the observation time. The freeze's upper limit needs the technique; without one only
    "more than 0 s" is checked.
    """
    problems: list[Problem] = []
    if freeze_seconds is not None:
        ceiling = HARD_MAX_FREEZE_SECONDS.get(str(technique)) if technique is not None else None
        if not _is_whole_number(freeze_seconds):
            problems.append(Problem("freeze_seconds", f"must be a whole number of seconds, not {freeze_seconds!r}"))
        elif freeze_seconds <= 0:
            problems.append(Problem("freeze_seconds", f"must be more than 0 s ({HARD_LIMIT}), not {freeze_seconds}"))
        elif ceiling is not None and freeze_seconds > ceiling:
            problems.append(
                Problem(
                    "freeze_seconds",
                    f"must be at most {ceiling} s per cycle for {technique} ({HARD_LIMIT}), not {freeze_seconds}",
                )
            )
    if cycles is not None and not (_is_whole_number(cycles) and HARD_MIN_CYCLES <= cycles <= HARD_MAX_CYCLES):
        problems.append(
            Problem(
                "cycles",
                f"must be {HARD_MIN_CYCLES}–{HARD_MAX_CYCLES} for every technique ({HARD_LIMIT}), not {cycles}",
            )
        )
    if signing and started_at is None:
        problems.append(Problem("started_at", "is required to sign"))
    if signing and ended_at is None:
        problems.append(Problem("ended_at", "is required to sign"))
    if started_at is not None and ended_at is not None:
        minutes = _minutes_between(started_at, ended_at)
        if minutes <= 0:
            problems.append(Problem("ended_at", "must be after the start time"))
        elif minutes > HARD_MAX_SESSION_MINUTES:
            problems.append(
                Problem(
                    "ended_at",
                    f"must be at most {HARD_MAX_SESSION_MINUTES} minutes after the start ({HARD_LIMIT}), "
                    f"not {minutes:.0f}",
                )
            )
    if observation_minutes is None:
        if signing:
            problems.append(Problem("observation_minutes", "is required to sign"))
    elif not (
        _is_whole_number(observation_minutes)
        and HARD_MIN_OBSERVATION_MINUTES <= observation_minutes <= HARD_MAX_OBSERVATION_MINUTES
    ):
        problems.append(
            Problem(
                "observation_minutes",
                f"must be {HARD_MIN_OBSERVATION_MINUTES}–{HARD_MAX_OBSERVATION_MINUTES} min ({HARD_LIMIT}), "
                f"not {observation_minutes}",
            )
        )
    return problems


# --- §6b bounds of the protocol parameters ---------------------------------------------------

BOUNDS_SOURCE = "RULES.md §6b"


class ParameterBound(NamedTuple):
    """One protocol parameter: its field name, how people call it, its unit, default and allowed range."""

    field: str
    label: str
    unit: str
    default: int
    low: int
    high: int

    def allows(self, value: object) -> bool:
        return _is_whole_number(value) and self.low <= value <= self.high


# §6: "spray up to 20 s, contact up to 30 s, intralesional up to 90 s"; cycles 1–3, 1–3, 1–2.
# §6b: a clinic may set each between 5 s (1 cycle) and that default: stricter, never looser.
DEFAULT_MAX_FREEZE_SECONDS: dict[str, int] = {"spray": 20, "contact": 30, "intralesional": 90}
DEFAULT_MAX_CYCLES: dict[str, int] = {"spray": 3, "contact": 3, "intralesional": 2}
MIN_FREEZE_LIMIT_SECONDS = 5
MIN_CYCLE_LIMIT = 1

PARAMETER_BOUNDS: tuple[ParameterBound, ...] = (
    ParameterBound("min_interval_days", "Earliest next session, days after the last", "days", 21, 14, 28),
    ParameterBound("max_interval_days", "Latest next session, days after the last", "days", 42, 28, 56),
    *(
        bound
        for technique in Technique.values
        for bound in (
            ParameterBound(
                f"{technique}_max_freeze_seconds",
                f"{technique.capitalize()}: freeze per cycle, at most",
                "s",
                DEFAULT_MAX_FREEZE_SECONDS[technique],
                MIN_FREEZE_LIMIT_SECONDS,
                DEFAULT_MAX_FREEZE_SECONDS[technique],
            ),
            ParameterBound(
                f"{technique}_max_cycles",
                f"{technique.capitalize()}: cycles, at most",
                "cycles",
                DEFAULT_MAX_CYCLES[technique],
                MIN_CYCLE_LIMIT,
                DEFAULT_MAX_CYCLES[technique],
            ),
        )
    ),
    ParameterBound("min_session_minutes", "Session length, minimum", "min", 10, 5, 15),
    ParameterBound("max_session_minutes", "Session length, maximum", "min", 30, 20, 45),
    ParameterBound("pregnancy_status_valid_days", "“Not pregnant” stays valid for", "days", 30, 1, 90),
)
BOUNDS: dict[str, ParameterBound] = {bound.field: bound for bound in PARAMETER_BOUNDS}
PARAMETER_FIELDS: tuple[str, ...] = tuple(BOUNDS)
PARAMETER_DEFAULTS: dict[str, int] = {bound.field: bound.default for bound in PARAMETER_BOUNDS}
# (lower, upper): the lower must be less than the upper ("14–28, and less than max_interval_days";
# "minimum < maximum"). A problem is reported on the lower one.
ORDERED_PAIRS: tuple[tuple[str, str], ...] = (
    ("min_interval_days", "max_interval_days"),
    ("min_session_minutes", "max_session_minutes"),
)


def parameter_problems(values: Mapping[str, object]) -> list[Problem]:
    """The §6b bounds that `values` (parameter field name → value) break, by field.

    Only the parameters given are checked; an order (minimum below maximum) only when both are
    given and within their bounds. Unknown names are not parameters and are left alone.
    """
    problems: list[Problem] = []
    for field, value in values.items():
        bound = BOUNDS.get(field)
        if bound is None or bound.allows(value):
            continue
        if not _is_whole_number(value):
            problems.append(Problem(field, f"must be a whole number, not {value!r}"))
        else:
            problems.append(
                Problem(field, f"must be {bound.low}–{bound.high} {bound.unit} ({BOUNDS_SOURCE}), not {value}")
            )
    for lower, upper in ORDERED_PAIRS:
        if lower in values and upper in values and BOUNDS[lower].allows(values[lower]):
            low_value, high_value = values[lower], values[upper]
            if BOUNDS[upper].allows(high_value) and not low_value < high_value:
                problems.append(
                    Problem(lower, f"must be less than {upper} ({high_value}; {BOUNDS_SOURCE}), not {low_value}")
                )
    return problems
