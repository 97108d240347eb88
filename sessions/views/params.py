"""Query parameters as typed or altered by hand: read safely, anything else is ignored."""

import re
from datetime import datetime

from django.utils.dateparse import parse_datetime

_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() also accepts "²"


def id_param(value: str | None) -> int | None:
    """A database id from the query string, or None."""
    return int(value) if value and _ID.fullmatch(value) else None


def datetime_param(value: str | None) -> datetime | None:
    """An ISO date and time from the query string, or None (also for a day that does not exist)."""
    try:
        return parse_datetime(value or "")
    except ValueError:  # well formed but impossible, e.g. 2025-02-30T10:00
        return None
