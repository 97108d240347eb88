"""Project-wide views that belong to no app."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from cryocare.idle_logout import seconds_left


@login_not_required
@require_safe
@transaction.non_atomic_requests  # nothing to read or write: no transaction to open and commit
def health(request: HttpRequest) -> HttpResponse:
    """For a load balancer or a monitor: the application answers. Reads nothing, shows nothing private."""
    return HttpResponse("ok\n", content_type="text/plain")


@login_not_required  # an expired session gets a 401 answer here, not the log-in page
@require_http_methods(["GET", "POST"])
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """GET: how many seconds the session has left without activity (asking is not activity).
    POST: the user is active on the page (typing, clicking), so the session is kept alive; the
    activity itself is recorded by `IdleLogoutMiddleware`, like for any other request."""
    if not request.user.is_authenticated:
        return JsonResponse({"seconds_left": 0, "login_url": reverse(settings.LOGIN_URL)}, status=401)
    left = settings.IDLE_LOGOUT_SECONDS if request.method == "POST" else seconds_left(request)
    return JsonResponse({"seconds_left": left})
