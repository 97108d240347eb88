"""Project-wide views that belong to no app."""

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe


@login_not_required
@require_safe
@transaction.non_atomic_requests  # nothing to read or write: no transaction to open and commit
def health(request: HttpRequest) -> HttpResponse:
    """For a load balancer or a monitor: the application answers. Reads nothing, shows nothing private."""
    return HttpResponse("ok\n", content_type="text/plain")
