from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinic.demo import seed_clinic
from patients.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo
from sessions.demo import seed_sessions, seed_upcoming

REFUSAL = (
    "DEBUG is off: this looks like a real server, and demo data adds made-up patients and log-ins to it. "
    "Run with --force to add it anyway; the demo users then get random passwords, printed once."
)


def refuse_unless_development(*, force: bool) -> None:
    """Demo data belongs on a developer's machine (DEBUG on); elsewhere only when asked for by name."""
    if not settings.DEBUG and not force:
        raise CommandError(REFUSAL)


class Command(BaseCommand):
    help = (
        "Create the demo users and about 30 demo patients (idempotent: existing records are left as they are). "
        "Refused when DEBUG is off, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed even though DEBUG is off; each new demo user then gets a random password, not the published one",
        )

    def handle(self, *args, force=False, **options):
        refuse_unless_development(force=force)
        published = settings.DEBUG
        today = timezone.localdate()
        created = seed_demo(today=today, published_password=published)
        seed_clinic()
        sessions = seed_sessions(today=today)
        booked = seed_upcoming(today=today)
        self.stdout.write(
            f"Demo data: {created['users']} users, {created['patients']} patients, {sessions} completed sessions "
            f"and {booked} upcoming appointments created."
        )
        if published:
            self.stdout.write(self.style.SUCCESS(f"Demo log-ins (password for all: {DEMO_PASSWORD}):"))
            for user in DEMO_USERS:
                self.stdout.write(f"  {user.username:<12} {user.role}")
            return
        self._random_passwords(created["passwords"])

    def _random_passwords(self, passwords: dict[str, str]) -> None:
        """Each new demo user's random password, shown this once only (it is stored only as a hash)."""
        if passwords:
            self.stdout.write(self.style.SUCCESS("Demo log-ins (random passwords, shown only now):"))
        for user in DEMO_USERS:
            if user.username in passwords:
                self.stdout.write(f"  {user.username:<12} {user.role:<14} {passwords[user.username]}")
        existing = (
            get_user_model()
            .objects.filter(username__in=[u.username for u in DEMO_USERS])
            .exclude(username__in=passwords)
        )
        for user in existing:
            if user.check_password(DEMO_PASSWORD):
                self.stderr.write(
                    self.style.WARNING(
                        f"  {user.username} still has the published demo password: "
                        f"change it (manage.py changepassword {user.username}) or deactivate the user."
                    )
                )
