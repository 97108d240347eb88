from django.core.management.base import BaseCommand
from django.utils import timezone

from clinic.demo import seed_clinic
from patients.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo
from sessions.demo import seed_sessions, seed_upcoming


class Command(BaseCommand):
    help = "Create the demo users and about 30 demo patients (idempotent: existing records are left as they are)."

    def handle(self, *args, **options):
        today = timezone.localdate()
        created = seed_demo(today=today)
        seed_clinic()
        sessions = seed_sessions(today=today)
        booked = seed_upcoming(today=today)
        self.stdout.write(
            f"Demo data: {created['users']} users, {created['patients']} patients, {sessions} completed sessions "
            f"and {booked} upcoming appointments created."
        )
        self.stdout.write(self.style.SUCCESS(f"Demo log-ins (password for all: {DEMO_PASSWORD}):"))
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<12} {user.role}")
