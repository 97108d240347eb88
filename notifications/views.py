"""The outbox page for clinic admins: every message CryoCare sent or tried to send, failed ones first
to look at, with their error and attempts, and *retry*."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from notifications import selectors, services, tasks
from notifications.models import Message, MessageStatus
from patients.access import Need, log_event, log_list, require
from patients.models import AccessEvent

PAGE_SIZE = 50


def outbox(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.CLINIC_SETUP)
    status = request.GET.get("status", "")
    if status not in MessageStatus.values:
        status = ""
    counts = selectors.outbox_counts()
    paginator = Paginator(selectors.outbox(status=status), PAGE_SIZE)
    paginator.count = counts[status] if status else sum(counts.values())  # counted just above
    page = paginator.get_page(request.GET.get("page"))
    log_list(request, "outbox", rows=len(page.object_list))
    context = {
        "page": page,
        "status": status,
        "statuses": [(value, label, counts[value]) for value, label in MessageStatus.choices],
        "total": sum(counts.values()),
    }
    return render(request, "notifications/outbox.html", context)


@require_POST
def message_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    require(request.user, Need.CLINIC_SETUP)
    try:
        message = services.message_retry(message_id=message_id)
    except Message.DoesNotExist:
        raise Http404 from None
    except services.OutboxError as error:
        messages.error(request, str(error))
    else:
        log_event(
            request,
            action=AccessEvent.Action.CHANGE,
            object_type="message",
            object_id=message.pk,
            patient=message.patient,
        )
        tasks.deliver_after_commit([message])
        messages.success(request, f"The message to {message.recipient} is queued again.")
    return redirect(f"{reverse('notifications:outbox')}?status={MessageStatus.FAILED}")
