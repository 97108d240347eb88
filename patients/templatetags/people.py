"""`{{ user|person }}`: a user's full name (or log-in), the same on every page (patients.roles.person_name)."""

from django import template

from patients.roles import person_name

register = template.Library()


@register.filter
def person(user) -> str:
    return person_name(user)
