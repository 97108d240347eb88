"""Log-in lockout (django-axes): the page a locked-out person sees, and whose address counts."""

import math

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_address(request: HttpRequest) -> str | None:
    """The address failures are counted against: the one the nearest of `LOGIN_PROXY_COUNT` trusted
    proxies saw (each appends to X-Forwarded-For; anything further left could be made up by the
    client), or the connection's own address without a proxy."""
    count = settings.LOGIN_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """A page, not a bare 429: how long log-in stays locked and who can unlock it. It says the same
    whether or not the user name exists."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    context = {"minutes": minutes, "failure_limit": get_failure_limit(request, credentials)}
    return render(request, "registration/locked_out.html", context, status=429)
