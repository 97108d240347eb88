"""Automatic log-off: a session without activity for `IDLE_LOGOUT_SECONDS` is logged out.

Every request of a logged-in user records the time in the session; the next request after a longer
gap logs the user out and sends them to the log-in page with a message. In the browser,
`static/js/idle-logout.js` warns a minute before and, while the user types or clicks, posts to the
keep-alive endpoint so that a long form being filled in is not lost. Asking that endpoint how long
is left (GET) is not activity.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

LAST_ACTIVITY = "cryocare_last_activity"


def seconds_left(request: HttpRequest, now: float | None = None) -> int:
    """Seconds until the session is logged out for lack of activity (0 once it is due)."""
    last = request.session.get(LAST_ACTIVITY)
    if last is None:
        return settings.IDLE_LOGOUT_SECONDS
    now = time.time() if now is None else now
    return max(0, int(last + settings.IDLE_LOGOUT_SECONDS - now))


def logged_out_message() -> str:
    minutes = max(1, settings.IDLE_LOGOUT_SECONDS // 60)
    return f"You were logged out after {minutes} minutes without activity. Log in again to continue."


class IdleLogoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.keepalive_path = reverse("session_keepalive")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        is_keepalive = request.path == self.keepalive_path
        if request.user.is_authenticated and LAST_ACTIVITY in request.session and not seconds_left(request, now):
            logout(request)
            messages.info(request, logged_out_message())
            if is_keepalive:
                return JsonResponse({"seconds_left": 0, "login_url": reverse(settings.LOGIN_URL)}, status=401)
            return redirect_to_login(request.get_full_path())
        response = self.get_response(request)
        # Recorded after the view, so that the log-in itself counts; asking how long is left does not.
        passive = is_keepalive and request.method in ("GET", "HEAD")
        if request.user.is_authenticated and not passive:
            request.session[LAST_ACTIVITY] = now
        return response


def context(request: HttpRequest) -> dict:
    """For the page's warning (templates/partials/idle_logout.html)."""
    return {"idle_logout_seconds": settings.IDLE_LOGOUT_SECONDS}
