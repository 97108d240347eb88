"""`manage.py protocol_ruleset_changes [--date YYYY-MM-DD] [--csv]`: the scars whose current
decision is not the same under ruleset `cryocare-rules/1` as under 1.1, for the clinic to review.

Each active scar of a current patient that has a treatment record is decided twice on the date
(the clinic's today by default), at stage `schedule`, from the same facts as the app builds them
now (RULES.md §2a): once by the engine (1.1) and once as ruleset 1 read the history
(`protocols.ruleset_1`). The technique is the one planned at the scar's booked treatment visit,
else the one of its last treatment record. A scar is listed when the outcome or the rules that
fire differ, e.g. an adverse event never marked resolved on an earlier session (ADV-01 now reads
every session) or a freeze earlier the same day (REL-12 now counts it).

Exit status 0 with the list (possibly empty); 2 for a bad --date.
"""

import csv
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef

from clinic.models import Clinic
from patients.models import Scar, ScarStatus
from protocols.codes import Stage, Technique
from protocols.engine import RULESET, FactsError
from protocols.ruleset_1 import RULESET_1, facts_as_ruleset_1
from protocols.services import protocol_evaluate
from sessions.facts import facts_for
from sessions.models import WAITING_STATUSES, AppointmentKind, AppointmentScar, TreatmentSession

COLUMNS = ["mrn", "patient", "scar", "technique", "ruleset_1", "ruleset_1_1", "now_fire", "no_longer_fire"]


def _technique(scar: Scar) -> str:
    planned = (
        AppointmentScar.objects.filter(
            scar=scar, appointment__kind=AppointmentKind.TREATMENT, appointment__status__in=WAITING_STATUSES
        )
        .order_by("appointment__starts_at")
        .values_list("technique", flat=True)
        .first()
    )
    last = (
        TreatmentSession.objects.filter(scar=scar, entered_in_error=False)
        .order_by("-performed_on", "-pk")
        .values_list("technique", flat=True)
        .first()
    )
    return planned or last or Technique.CONTACT


def _codes(decision: dict) -> set[str]:
    return {finding["code"] for finding in decision["findings"]}


class Command(BaseCommand):
    help = f"List the scars whose current decision differs between {RULESET_1} and {RULESET}."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="decide on this date (YYYY-MM-DD); the clinic's today by default")
        parser.add_argument("--csv", action="store_true", help="print CSV instead of lines of text")

    def handle(self, *args, **options):
        on_date = self._date(options.get("date"))
        scars = (
            Scar.objects.filter(status=ScarStatus.ACTIVE, patient__archived=False)
            .filter(Exists(TreatmentSession.objects.filter(scar=OuterRef("pk"))))
            .select_related("patient")
            .order_by("patient__family_name", "patient__given_name", "patient__mrn", "pk")
        )
        changed, checked, unreadable = [], 0, []
        for scar in scars.iterator(chunk_size=500):
            checked += 1
            technique = _technique(scar)
            facts = facts_for(scar, on_date, technique, Stage.SCHEDULE)
            try:
                now = protocol_evaluate(facts)
                before = protocol_evaluate(facts_as_ruleset_1(facts))
            except FactsError:
                unreadable.append(scar)
                continue
            if now["outcome"] != before["outcome"] or _codes(now) != _codes(before):
                changed.append((scar, technique, before, now))
        self._print(changed, csv_output=options["csv"])
        if not options["csv"]:
            self.stdout.write(
                f"{len(changed)} of {checked} scars with a treatment record decide differently on "
                f"{on_date.isoformat()} under {RULESET} than under {RULESET_1}."
            )
            for scar in unreadable:
                self.stdout.write(
                    f"Not decided (the record has errors the engine refuses): {scar.patient.mrn} {scar.label}"
                )

    def _date(self, value: str | None) -> date:
        if not value:
            return Clinic.current().date_of()
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date: {value!r} is not a date (YYYY-MM-DD).", returncode=2) from None

    def _print(self, changed, *, csv_output: bool) -> None:
        if csv_output:
            writer = csv.writer(self.stdout)
            writer.writerow(COLUMNS)
        for scar, technique, before, now in changed:
            gained = sorted(_codes(now) - _codes(before))
            lost = sorted(_codes(before) - _codes(now))
            patient = scar.patient
            if csv_output:
                writer.writerow(
                    [
                        patient.mrn,
                        patient.full_name,
                        scar.label,
                        technique,
                        before["outcome"],
                        now["outcome"],
                        " ".join(gained),
                        " ".join(lost),
                    ]
                )
                continue
            what = "; ".join(
                part
                for part in (
                    f"now fires {', '.join(gained)}" if gained else "",
                    f"no longer fires {', '.join(lost)}" if lost else "",
                )
                if part
            )
            self.stdout.write(
                f"{patient.mrn}  {patient.full_name}  {scar.label} ({technique}): "
                f"{before['outcome']} → {now['outcome']} ({what})"
            )
