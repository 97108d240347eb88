from django import template

from protocols.window import WINDOW_LABELS, Window, WindowState

register = template.Library()


@register.filter
def window_state(window: Window, today) -> WindowState:
    return window.state(today)


@register.filter
def window_label(state: str) -> str:
    return WINDOW_LABELS[WindowState(state)]
