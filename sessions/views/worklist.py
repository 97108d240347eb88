"""The worklist of scars due for their next session, on screen and as CSV."""

import csv

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.models import Clinic
from patients.access import Need, log_list, require
from patients.csv_cells import csv_cell
from patients.models import AccessEvent
from patients.roles import clinician_users, person_name
from protocols.models import ProtocolParameters
from sessions import selectors, worklist
from sessions.views.params import id_param

PAGE_SIZE = 25
TO_RESCHEDULE_SHOWN = 50  # the soonest; the count says how many there are in all
CSV_COLUMNS = ["mrn", "patient", "scar", "body_site", "last_session", "earliest", "latest", "state", "clinician"]
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).


def _filters(request: HttpRequest, clinicians) -> dict:
    """The worklist's query parameters, each one checked against what it may be."""
    state = request.GET.get("state", "all")
    if state not in worklist.STATES:
        state = "all"
    sort = request.GET.get("sort", worklist.DEFAULT_SORT)
    if sort not in worklist.SORTS:
        sort = worklist.DEFAULT_SORT
    clinician_id = id_param(request.GET.get("clinician"))
    if clinician_id is not None and not any(c.pk == clinician_id for c in clinicians):
        clinician_id = None
    return {"state": state, "sort": sort, "clinician_id": clinician_id}


def _name(user) -> str:
    return person_name(user)


def worklist_due(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.READ)
    today = Clinic.current().date_of()
    parameters = ProtocolParameters.current()
    clinicians = list(clinician_users())
    filters = _filters(request, clinicians)
    counts = worklist.due_counts(
        worklist.due_scars(today=today, clinician_id=filters["clinician_id"], parameters=parameters)
    )
    total = sum(counts.values())
    paginator = Paginator(worklist.due_scars(today=today, parameters=parameters, **filters), PAGE_SIZE)
    # The counts just read give the paginator its count: the rows are then the page's one query.
    paginator.count = counts.get(filters["state"], total)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = worklist.due_rows(page.object_list, today=today, parameters=parameters)
    log_list(request, "worklist", rows=len(page.object_list))
    # Usually none or a few: counted separately only when there are more than are shown.
    to_reschedule = list(selectors.visits_to_reschedule()[: TO_RESCHEDULE_SHOWN + 1])
    to_reschedule_count = len(to_reschedule)
    if to_reschedule_count > TO_RESCHEDULE_SHOWN:
        to_reschedule_count = selectors.visits_to_reschedule().count()
    context = {
        "to_reschedule": to_reschedule[:TO_RESCHEDULE_SHOWN],
        "to_reschedule_count": to_reschedule_count,
        "page": page,
        "today": today,
        "counts": counts,
        "total": total,
        "states": [(state, state.label, counts[state]) for state in worklist.STATES],
        "clinicians": clinicians,
        **filters,
    }
    return render(request, "sessions/worklist.html", context)




def worklist_due_csv(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.READ)
    today = Clinic.current().date_of()
    parameters = ProtocolParameters.current()
    filters = _filters(request, list(clinician_users()))
    rows = worklist.due_rows(
        worklist.due_scars(today=today, parameters=parameters, **filters), today=today, parameters=parameters
    )
    log_list(request, "worklist CSV", rows=len(rows), action=AccessEvent.Action.EXPORT)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="due-{today:%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            csv_cell(value)
            for value in (
                row.patient.mrn,
                row.patient.full_name,
                row.scar.label,
                row.scar.body_site,
                row.window.last_session.isoformat(),
                row.window.earliest.isoformat(),
                row.window.latest.isoformat(),
                row.state,
                _name(row.clinician),
            )
        )
    return response
