"""`manage.py protocol_evaluate PATH`: decide facts documents from a file or stdin (`-`).

The input is one `cryocare.facts/1` document or a JSON array of them; the output is the decision
or an array of decisions, in order, as JSON on stdout. Decisions use the clinic's current protocol
parameters (`protocols.services`).

Exit status 2, with the reason on stderr and no traceback, when the file is missing, the JSON is
malformed or the single document is invalid. For an array, an invalid document's place holds
`{"errors": [{"field": ..., "message": ...}]}`, the others are decided, and the exit status is 2
if any was invalid. Protocol parameters outside RULES.md §6b (which the database refuses) stop the
command with exit status 1 and each parameter at fault named on stderr.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from protocols.engine import FactsError, ParametersError, evaluate_many, validate
from protocols.services import clinic_parameters, protocol_evaluate

INVALID_INPUT = 2


def _describe(errors: list[dict]) -> str:
    return "\n".join(f"  {error['field']}: {error['message']}" for error in errors)


class Command(BaseCommand):
    help = "Evaluate cryocare.facts/1 documents (a file, or - for stdin) and print the decisions as JSON."
    # A data tool for scripts and pipes: it needs models, not the URL and admin checks on every call.
    requires_system_checks = []
    # Tests pass a text stream here instead of replacing sys.stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("path", help="a JSON file holding one facts document or an array of them; - for stdin")

    def handle(self, *args, path, **options):
        try:
            self._evaluate(path, options.get("stdin") or sys.stdin)
        except ParametersError as error:
            raise CommandError(f"The clinic's protocol parameters are invalid:\n{_describe(error.errors)}") from None

    def _evaluate(self, path: str, stdin) -> None:
        text = self._read(path, stdin)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{self._name(path)} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno}).",
                returncode=INVALID_INPUT,
            ) from None
        except (RecursionError, ValueError) as error:  # nested too deeply; an integer past the digit limit
            raise CommandError(
                f"{self._name(path)} cannot be read as JSON: {error}", returncode=INVALID_INPUT
            ) from None

        if isinstance(document, list):
            # One parameters read for the whole batch: every decision in it uses the same values.
            results = evaluate_many(document, parameters=clinic_parameters())
            self.stdout.write(json.dumps(results, indent=2, ensure_ascii=False))
            invalid = [index for index, result in enumerate(results) if "errors" in result]
            if invalid:
                details = "\n".join(f"document [{index}]:\n{_describe(results[index]['errors'])}" for index in invalid)
                raise CommandError(
                    f"{len(invalid)} of {len(results)} documents are invalid:\n{details}", returncode=INVALID_INPUT
                )
            return

        try:
            validate(document)  # before any database access: bad input fails fast, wherever it runs
            decision = protocol_evaluate(document)
        except FactsError as error:
            raise CommandError(f"Invalid facts:\n{_describe(error.errors)}", returncode=INVALID_INPUT) from None
        self.stdout.write(json.dumps(decision, indent=2, ensure_ascii=False))

    @staticmethod
    def _name(path: str) -> str:
        return "stdin" if path == "-" else path

    def _read(self, path: str, stdin) -> str:
        if path == "-":
            return stdin.read()
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}", returncode=INVALID_INPUT) from None
        except IsADirectoryError:
            raise CommandError(f"{path} is a directory, not a JSON file.", returncode=INVALID_INPUT) from None
        except (PermissionError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}", returncode=INVALID_INPUT) from None
