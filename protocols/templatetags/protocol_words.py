"""The engine's words for people: source names, rule conditions with codes as labels."""

from django import template

from protocols import rules

register = template.Library()


@register.filter
def source_name(code: str) -> str:
    return rules.source_name(code)


@register.filter
def in_words(text: str) -> str:
    return rules.in_words(text)
