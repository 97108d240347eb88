"""Write one patient's record as a FHIR R4B Bundle (JSON), to a file or to standard output."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exchange.fhir import patient_bundle
from exchange.services import fhir_export_log_command
from patients.models import Patient


class Command(BaseCommand):
    help = "Export one patient's record as a FHIR R4B Bundle of type collection (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--patient", required=True, metavar="MRN", help="the patient's medical record number")
        parser.add_argument("--output", metavar="PATH", help="write to this file (default: standard output)")

    def handle(self, *args, patient: str, output: str | None = None, **options):
        try:
            record = Patient.objects.get(mrn=patient)
        except Patient.DoesNotExist:
            raise CommandError(f"No patient has the medical record number {patient!r}.") from None
        text = json.dumps(patient_bundle(record), ensure_ascii=False, indent=2)
        if output:
            path = Path(output)
            if not path.parent.is_dir():
                raise CommandError(f"Cannot write {output}: the folder {path.parent} does not exist.")
            try:
                path.write_text(text + "\n", encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
            fhir_export_log_command(record, output=str(path))
            self.stderr.write(f"Wrote the FHIR bundle of {record.mrn} to {path}.")
        else:
            self.stdout.write(text)
            fhir_export_log_command(record, output="standard output")
