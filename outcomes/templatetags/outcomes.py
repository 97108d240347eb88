"""Figures as the outcome pages write them."""

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def signed(value: float | None, places: int = -1) -> str:
    """A change with its sign: "+2", "−3.5", "0" (a true minus sign, as print uses)."""
    if value is None:
        return "—"
    text = floatformat(abs(value), places)
    if text in ("0", "0.0"):
        return "0"
    return f"+{text}" if value > 0 else f"−{text}"
