"""Log-in lockout (django-axes): the page a locked-out person sees, and whose address counts."""

import math

from axes.helpers import get_cool_off, get_failure_limit
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from patients.access import client_address  # noqa: F401 (AXES_CLIENT_IP_CALLABLE names it here)


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """A page, not a bare 429: how long log-in stays locked and who can unlock it. It says the same
    whether or not the user name exists."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    context = {"minutes": minutes, "failure_limit": get_failure_limit(request, credentials)}
    return render(request, "registration/locked_out.html", context, status=429)
