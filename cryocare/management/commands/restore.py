from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cryocare.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database and an empty media folder."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The cryocare-YYYYmmdd-HHMMSS.tar.gz file written by `backup`.")

    def handle(self, *args, archive, **options):
        try:
            manifest = restore(Path(archive))
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["rows"].values())
        self.stdout.write(f"Restored the backup of {manifest['created_at']}: {rows:,} rows and the uploaded files.")
