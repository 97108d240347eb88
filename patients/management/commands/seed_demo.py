from django.core.management.base import BaseCommand
from django.utils import timezone

from patients.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create the demo users and about 30 demo patients (idempotent: existing records are left as they are)."

    def handle(self, *args, **options):
        created = seed_demo(today=timezone.localdate())
        self.stdout.write(f"Demo data: {created['users']} users and {created['patients']} patients created.")
        self.stdout.write(self.style.SUCCESS("Demo log-ins (password for all: %s):" % DEMO_PASSWORD))
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<12} {user.role}")
