"""`manage.py seed_scale --patients 10000`: a clinic at a real size on top of the demo data (see sessions.scale)."""

import time
from datetime import date

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from clinic.models import Clinic
from sessions.management.commands.seed_demo import refuse_unless_development
from sessions.scale import seed_scale


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today must be a date as YYYY-MM-DD, not {value!r}.") from error


class Command(BaseCommand):
    help = "Add a clinic of the given size (patients, scars, three years of sessions, visits booked) to the demo data."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=10_000, help="how many patients (default 10,000)")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed: the same seed and date give the same clinic"
        )
        parser.add_argument("--today", help="the date the history ends on (default: the clinic's today)")
        parser.add_argument(
            "--force", action="store_true", help="seed even though DEBUG is off (see seed_demo --force)"
        )

    def handle(self, *args, patients, seed, today, force=False, **options):
        if patients < 1:
            raise CommandError("--patients must be at least 1.")
        refuse_unless_development(force=force)
        call_command("seed_demo", force=force, stdout=self.stdout)
        on_date = _date(today) if today else Clinic.current().date_of()
        started = time.perf_counter()
        try:
            counts = seed_scale(patients=patients, today=on_date, seed=seed, published_password=settings.DEBUG)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Scaled clinic added in {time.perf_counter() - started:.0f} s: ")
            + ", ".join(f"{value:,} {name}" for name, value in counts.items())
        )
