import secrets

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from protocols.window import WINDOW_LABELS, Window, WindowState
from sessions.calendar import STATUS_BADGE_CLASSES, Entry

register = template.Library()


@register.simple_tag
def status_badge(status: str, label: str) -> SafeString:
    """An appointment status as a coloured badge (the colours: `calendar.STATUS_BADGE_CLASSES`)."""
    colour = STATUS_BADGE_CLASSES.get(status, "text-bg-secondary")
    return format_html('<span class="badge status-{} {}">{}</span>', status, colour, label)


@register.simple_tag
def calendar_entry(entry: Entry, show: str) -> SafeString:
    """One appointment in a calendar cell. `show` is "clinician", "room" or "both": what the column
    does not already say. Written here rather than as an included template: a week shows hundreds."""
    muted = " text-muted" if entry.appointment.status == "no_show" else ""
    who = {
        "room": entry.room_name,
        "clinician": entry.clinician_name,
        "both": f"{entry.clinician_name} · {entry.room_name}",
    }
    patient = entry.appointment.patient
    return format_html(
        '<div class="calendar-entry border-start border-3 ps-2 mb-1 small{}">'
        '<div class="d-flex flex-wrap align-items-center gap-1">'
        '<a class="fw-semibold text-decoration-none" href="{}">{}–{}</a> {}</div>'
        '<div><a href="{}">{}, {}</a> <span class="text-muted">{}</span></div>{}{}</div>',
        muted,
        entry.url,
        entry.starts,
        entry.ends,
        status_badge(entry.appointment.status, entry.status_label),
        entry.patient_url,
        patient.family_name,
        patient.given_name,
        patient.mrn,
        format_html_join("", '<div class="text-muted calendar-plan">{}</div>', ((plan,) for plan in entry.plans)),
        format_html('<div class="text-muted">{}</div>', who[show]) if show in who else "",
    )


@register.filter
def window_state(window: Window, today) -> WindowState:
    return window.state(today)


@register.filter
def window_label(state: str) -> str:
    return WINDOW_LABELS[WindowState(state)]


@register.simple_tag
def submission_token() -> str:
    """A fresh one-time token for a form that must not be saved twice (sessions.services.create_once)."""
    return secrets.token_urlsafe(16)
