"""Outcomes: a scar's progress (chart, photos side by side, course summary) and the clinic's reports."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from outcomes.chart import progress_chart
from outcomes.progress import MEASURES, scar_progress
from patients.access import access
from patients.models import Scar
from sessions.views.params import id_param


def _photo_pair(points, left_id, right_id):
    """(assessments with photos, left, right): baseline and latest unless others of this scar were asked for."""
    with_photos = [p.assessment for p in points if any(not ph.entered_in_error for ph in p.assessment.photos.all())]
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
