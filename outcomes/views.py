"""Outcomes: a scar's progress (chart, photos side by side, course summary) and the clinic's reports."""

import csv
from datetime import date, timedelta

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from clinic.models import Clinic
from outcomes.chart import progress_chart
from outcomes.forms import PeriodForm
from outcomes.progress import MEASURES, scar_progress
from outcomes.reports import REPORTS, Period, PeriodData, quarter_of
from patients.access import Need, access, log_list, require
from patients.csv_cells import csv_cell
from patients.models import AccessEvent, Scar
from sessions.views.params import id_param


def _photo_pair(points, left_id, right_id):
    """(assessments with photos, left, right): baseline and latest unless others of this scar were asked for."""
    with_photos = [p.assessment for p in points if p.assessment.photos.all()]  # prefetched, none in error
    by_id = {a.pk: a for a in with_photos}
    left = by_id.get(left_id) or (with_photos[0] if with_photos else None)
    right = by_id.get(right_id) or (with_photos[-1] if len(with_photos) > 1 else None)
    return with_photos, left, right


def scar_progress_page(request: HttpRequest, scar_id: int) -> HttpResponse:
    scar = access(request, Scar.objects.select_related("patient"), scar_id)
    progress = scar_progress(scar, timezone.localdate())
    with_photos, left, right = _photo_pair(
        progress.points, id_param(request.GET.get("left")), id_param(request.GET.get("right"))
    )
    context = {
        "scar": scar,
        "patient": scar.patient,
        "progress": progress,
        "chart": progress_chart(progress),
        "measures": MEASURES,
        "with_photos": with_photos,
        "left": left,
        "right": right,
        "sides": [side for side in (left, right) if side is not None],
    }
    return render(request, "outcomes/scar_progress.html", context)


def _period(request: HttpRequest) -> tuple[PeriodForm, Period]:
    """The period asked for, or this quarter when none (or a wrong one) was: the form says what was wrong."""
    this_quarter = quarter_of(Clinic.current().date_of())
    if "start" not in request.GET and "end" not in request.GET:
        return PeriodForm(initial={"start": this_quarter.start, "end": this_quarter.end}), this_quarter
    form = PeriodForm(request.GET)
    if form.is_valid():
        return form, Period(form.cleaned_data["start"], form.cleaned_data["end"])
    return form, this_quarter


def clinic_reports(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.READ)
    form, period = _period(request)
    data = PeriodData(period)
    reports = [build(data) for build in REPORTS.values()]
    log_list(request, "reports", rows=sum(len(r.rows) for r in reports))
    today = Clinic.current().date_of()
    this_quarter = quarter_of(today)
    last_quarter = quarter_of(this_quarter.start - timedelta(days=1))
    context = {
        "form": form,
        "period": period,
        "reports": reports,
        "shortcuts": [
            ("This quarter", this_quarter),
            ("Last quarter", last_quarter),
            ("This year", Period(date(today.year, 1, 1), date(today.year, 12, 31))),
        ],
    }
    return render(request, "outcomes/reports.html", context)


def clinic_report_csv(request: HttpRequest, name: str) -> HttpResponse:
    require(request.user, Need.READ)
    build = REPORTS.get(name)
    if build is None:
        raise Http404
    form, period = _period(request)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest("; ".join(e for errors in form.errors.values() for e in errors))
    report = build(PeriodData(period))
    log_list(request, f"report:{name}", rows=len(report.rows), action=AccessEvent.Action.EXPORT)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="cryocare-{name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow([f"{report.title}, {period}"])
    writer.writerow([csv_cell(c) for c in report.columns])
    for row in report.rows:
        writer.writerow([csv_cell(value) for value in row])
    return response
