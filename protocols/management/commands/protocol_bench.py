"""`manage.py protocol_bench`: how many decisions per second the pure engine makes on one core.

Generates varied, valid facts documents (seeded, so runs are comparable), then times
`engine.evaluate` called once per document and `engine.evaluate_many` on the whole batch, each
repeated; prints the best, median and minimum rates (the minimum shows the spread between
runs). `--profile` prints where the time goes.
"""

import cProfile
import io
import pstats
import random
import statistics
import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand

from protocols.codes import AdverseEvent, BodySite, Condition, Medication, SiteFinding
from protocols.engine import evaluate, evaluate_many

_CONDITIONS = Condition.values
_MEDICATIONS = Medication.values
_SITES = BodySite.values
_SITE_FINDINGS = SiteFinding.values
_ADVERSE_EVENTS = AdverseEvent.values


def _maybe(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def generate_facts(rng: random.Random) -> dict:
    """One realistic, valid `cryocare.facts/1` document: mostly eligible patients, some with findings."""
    on_date = date(2024, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    age_days = rng.randrange(8 * 365, 85 * 365)
    birth_date = on_date - timedelta(days=age_days)
    age = age_days // 365
    sex = rng.choices(["female", "male", "other", "unknown"], weights=[55, 42, 2, 1])[0]
    pregnant = None
    if sex == "female" and 12 <= age <= 50:
        pregnant = rng.choices([None, False, True], weights=[25, 70, 5])[0]
    elif _maybe(rng, 0.5):
        pregnant = False
    conditions = rng.sample(_CONDITIONS, k=rng.choices([0, 1, 2, 3], weights=[80, 15, 4, 1])[0])
    medications = []
    for code in rng.sample(_MEDICATIONS, k=rng.choices([0, 1, 2], weights=[70, 25, 5])[0]):
        stopped = None if _maybe(rng, 0.6) else (on_date + timedelta(days=rng.randrange(-900, 60))).isoformat()
        if stopped is not None and stopped < birth_date.isoformat():
            stopped = None
        medications.append({"code": code, "stopped": stopped})

    history = []
    sessions = rng.choices(range(9), weights=[25, 15, 15, 12, 10, 8, 6, 5, 4])[0]
    when = on_date - timedelta(days=rng.randrange(10, 60))
    dates = []
    for _ in range(sessions):
        dates.append(when)
        when -= timedelta(days=rng.randrange(18, 50))
    dates.reverse()
    for day in dates:
        events = []
        for code in rng.sample(_ADVERSE_EVENTS, k=rng.choices([0, 1, 2], weights=[85, 12, 3])[0]):
            events.append({"code": code, "resolved": _maybe(rng, 0.85)})
        status = rng.choices(["completed", "cancelled", "no_show"], weights=[85, 10, 5])[0]
        history.append(
            {
                "date": day.isoformat(),
                "status": status,
                "technique": rng.choice(["spray", "contact"]),
                "adverse_events": events,
            }
        )
    if _maybe(rng, 0.1):  # an already booked future session
        history.append(
            {"date": (on_date + timedelta(days=28)).isoformat(), "status": "completed", "adverse_events": []}
        )

    assessments = []
    assessment_dates = (dates[::2] or [on_date - timedelta(days=rng.randrange(0, 30))]) if _maybe(rng, 0.95) else []
    vss = {"vascularity": rng.randint(1, 3), "pigmentation": rng.randint(0, 2), "pliability": rng.randint(2, 5)}
    vss["height"] = rng.randint(1, 3)
    for day in assessment_dates:
        reading = None
        if _maybe(rng, 0.9):
            reading = dict(vss)
            for item in ("pliability", "height", "vascularity"):
                vss[item] = max(0, vss[item] - rng.choice([0, 0, 1]))
        assessments.append({"date": day.isoformat(), "vss": reading, "notes": "free text the engine ignores"})
    rng.shuffle(assessments)

    onset = dates[0] if dates else on_date
    onset -= timedelta(days=rng.randrange(30, 3000))
    if onset < birth_date:
        onset = birth_date
    return {
        "schema": "cryocare.facts/1",
        "on_date": on_date.isoformat(),
        "stage": rng.choices(["schedule", "treat"], weights=[70, 30])[0],
        "technique": rng.choices(["spray", "contact", "intralesional"], weights=[40, 40, 20])[0],
        "patient": {
            "birth_date": birth_date.isoformat(),
            "sex": sex,
            "fitzpatrick": rng.choice([None, 1, 2, 2, 3, 3, 4, 5, 6]),
            "pregnant": pregnant,
            "consent": rng.choices([True, None, False], weights=[85, 10, 5])[0],
            "conditions": conditions,
            "medications": medications,
        },
        "scar": {
            "morphology": rng.choices(
                ["hypertrophic", "keloid", "atrophic", "normotrophic", "other"], [55, 42, 1, 1, 1]
            )[0],
            "cause": rng.choice(["surgical", "traumatic", "burn", "acne", "piercing", "other", "unknown"]),
            "body_site": rng.choice(_SITES),
            "laterality": rng.choice(["left", "right", "midline"]),
            "onset_date": None if _maybe(rng, 0.1) else onset.isoformat(),
            "length_mm": round(rng.uniform(3, 120), 1),
            "width_mm": round(rng.uniform(1, 20), 1),
            "height_mm": None if _maybe(rng, 0.1) else round(rng.uniform(0.5, 9), 1),
            "site_findings": rng.sample(_SITE_FINDINGS, k=rng.choices([0, 1], weights=[95, 5])[0]),
            "diagnosis_uncertain": _maybe(rng, 0.03),
        },
        "history": history,
        "assessments": assessments,
    }


def _timed(work, count: int) -> tuple[float, float]:
    """(decisions per CPU second, decisions per wall-clock second) for one run of `work`."""
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return count / (time.process_time() - cpu), count / (time.perf_counter() - wall)


class Command(BaseCommand):
    help = "Measure the protocol engine's decisions per second (single calls and a batch)."

    # Measures the engine alone: the URL and admin checks would only slow the start.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10_000, help="documents per run (default 10,000)")
        parser.add_argument("--repeat", type=int, default=5, help="runs of each kind (default 5)")
        parser.add_argument("--seed", type=int, default=1, help="random seed for the generated facts")
        parser.add_argument("--profile", action="store_true", help="also print a cProfile of one batch")

    def handle(self, *args, count, repeat, seed, profile, **options):
        rng = random.Random(seed)
        documents = [generate_facts(rng) for _ in range(count)]
        outcomes: dict[str, int] = {}
        for decision in evaluate_many(documents):
            outcome = decision.get("outcome", "invalid")
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        self.stdout.write(
            f"{count:,} generated documents (seed {seed}): "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items()))
        )

        # Rates per second of this process's CPU time (one core), and of wall-clock time: on a busy
        # machine the wall clock also counts the time spent waiting for a core.
        runs: dict[str, list[tuple[float, float]]] = {"single evaluate()": [], f"evaluate_many({count:,})": []}
        single_runs, batch_runs = runs.values()

        def one_by_one():
            for facts in documents:
                evaluate(facts)

        for _ in range(repeat):
            single_runs.append(_timed(one_by_one, count))
            batch_runs.append(_timed(lambda: evaluate_many(documents), count))
        for label, rates in runs.items():
            cpu = [rate for rate, _ in rates]
            wall = [rate for _, rate in rates]
            self.stdout.write(
                f"{label:>24}: best {max(cpu):,.0f} decisions/s, median {statistics.median(cpu):,.0f}, "
                f"min {min(cpu):,.0f} (CPU time, {repeat} runs); wall clock best {max(wall):,.0f}, "
                f"median {statistics.median(wall):,.0f}, min {min(wall):,.0f}"
            )

        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(evaluate_many, documents)
            report = io.StringIO()
            pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(20)
            self.stdout.write(report.getvalue())
