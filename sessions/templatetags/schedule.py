from django import template

register = template.Library()

WINDOW_LABELS = {
    "not_yet": "Window not open yet",
    "open": "Window open",
    "closing": "Window closes within 7 days",
    "overdue": "Overdue",
}


@register.filter
def window_state(window, today) -> str:
    return window.state(today)


@register.filter
def window_label(state: str) -> str:
    return WINDOW_LABELS.get(state, state)
