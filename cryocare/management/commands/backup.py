from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cryocare.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write a dated archive of the database and the uploaded files (see cryocare/backup.py)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", default="backups", help="Where to write it (default: backups/).")

    def handle(self, *args, directory, **options):
        try:
            archive = backup(Path(directory))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backup written: {archive}")
