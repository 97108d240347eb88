"""Project-wide views that belong to no app."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views import defaults
from django.views.decorators.http import require_http_methods, require_safe

from cryocare.idle_logout import seconds_left
from patients.access import log_event
from patients.models import AccessEvent
from patients.roles import user_roles


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


def _refused(request: HttpRequest, detail: str) -> None:
    match = request.resolver_match
    log_event(
        request,
        action=AccessEvent.Action.REFUSED,
        object_type="page",
        object_id=match.view_name if match else "",
        detail=detail,
    )


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """403: the refusal is written to the access log (who, which page, why, from where)."""
    if request.user.is_authenticated:
        _refused(request, str(exception or "") or "refused")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404: for a logged-in user without a clinic role every page is 404 (the access layer); that
    attempt is written to the access log as refused."""
    if request.user.is_authenticated and not user_roles(request.user):
        _refused(request, "no clinic role")
    return defaults.page_not_found(request, exception)
