"""What `send_reminders`, `send_recalls` and `send_digest` share: run the job now (by hand the daily
jobs do not wait for the clinic's daily time), print what it sends, or with --dry-run what it would."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from clinic.models import Clinic
from notifications import services, tasks


class JobCommand(BaseCommand):
    job = ""  # a key of services.PLANNERS

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send and store nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        now = timezone.now()
        if not dry_run:
            # Attempts waiting out their back-off go now too: with no worker running, nothing else sends them.
            for message_id in services.outbox_due(now=now):
                tasks.deliver_message.delay(message_id)
        planned = tasks.job_run(self.job, now=now, dry_run=dry_run)
        zone = Clinic.current().zone
        verb = "Would send" if dry_run else "Queued"
        for message in planned:
            self.stdout.write(f"{verb}: {message.describe(zone)}")
        self.stdout.write(f"{len(planned)} new message(s)." if planned else "Nothing new to send.")
