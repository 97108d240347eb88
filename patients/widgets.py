"""Date and time fields that show and take the page language's own format.

Browsers draw `<input type="date">` in the format of their own locale (mm/dd/yyyy, AM/PM on an
American browser) whatever the page says, so a page showing 2026-12-05 14:30 asked for
12/05/2026 02:30 PM. These fields are plain text in the language's first input format
(cryocare/formats/<lang>/formats.py) with that format spelled out as a hint, so what a page shows
and what its fields show and accept are one format. Every form's date and time fields use them.
"""

from datetime import date, datetime

from django import forms
from django.utils import formats
from django.utils.translation import gettext


def format_hint(format_key: str) -> str:
    """The language's entry format in letters: "YYYY-MM-DD", "DD/MM/AAAA", "hh:mm"."""
    pattern = formats.get_format(format_key)[0]
    letters = {
        "%Y": gettext("YYYY"),
        "%m": gettext("MM"),
        "%d": gettext("DD"),
        "%H": gettext("hh"),
        "%M": gettext("mm"),
        "%S": gettext("ss"),
    }
    for code, word in letters.items():
        pattern = pattern.replace(code, word)
    return pattern


class _Typed:
    input_type = "text"
    size = 10

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        hint = format_hint(self.format_key)
        widget_attrs.setdefault("placeholder", hint)
        widget_attrs.setdefault("title", gettext("Format: %(hint)s") % {"hint": hint})
        widget_attrs.setdefault("autocomplete", "off")
        widget_attrs.setdefault("size", self.size)
        return context


class DateInput(_Typed, forms.DateInput):
    """A date in the language's format (format=None: Django takes DATE_INPUT_FORMATS[0])."""


class TimeInput(_Typed, forms.TimeInput):
    size = 5


class DateTimeInput(_Typed, forms.DateTimeInput):
    size = 16


def parse_date_text(value: str | None) -> date | None:
    """A date typed in the language's format (or ISO, as links carry it), or None."""
    text = (value or "").strip()
    for pattern in [*formats.get_format("DATE_INPUT_FORMATS"), "%Y-%m-%d"]:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None
