"""The entry format of a date typed by hand in a plain form (the calendar's "go to" field)."""

from django import template

from patients.widgets import format_hint

register = template.Library()


@register.simple_tag
def date_hint() -> str:
    return format_hint("DATE_INPUT_FORMATS")
