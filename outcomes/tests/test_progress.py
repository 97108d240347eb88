"""One scar's progress: the series, the response since baseline, the engine's word on non-response
(REL-13) and the goal (STP-01), RULES.md §7's guidance, the chart and the photos side by side."""

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from outcomes.chart import progress_chart
from outcomes.expected import INTRALESIONAL, KELOID_CONTACT, SESSIONS, expected_course
from outcomes.progress import scar_progress
from outcomes.tests.builders import assess
from patients.models import AccessEvent, AssessmentPhoto
from patients.tests.factories import ScarFactory
from sessions.tests.factories import TreatmentSessionFactory

ON = datetime.date(2031, 6, 1)
NOON = datetime.datetime(2031, 6, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture
def course(scar, clinician):
    """Baseline VSS 10 (40×6×3 mm), then 8, then 5 (30×5×1 mm); sessions between them."""
    assess(scar, clinician, datetime.date(2031, 1, 10), (3, 2, 3, 2))
    TreatmentSessionFactory(scar=scar, performed_on=datetime.date(2031, 1, 10))
    assess(scar, clinician, datetime.date(2031, 2, 14), (2, 2, 2, 2), (35, 6, 2))
    TreatmentSessionFactory(scar=scar, performed_on=datetime.date(2031, 2, 14))
    assess(scar, clinician, datetime.date(2031, 3, 21), (1, 1, 2, 1), (30, 5, 1))
    return scar


def test_response_since_baseline_in_points_and_percent(course):
    progress = scar_progress(course, ON)
    assert progress.sessions_done == 2
    vss = progress.changes["vss"]
    assert (vss.baseline, vss.latest, vss.points, vss.percent) == (10, 5, -5, -50)
    area = progress.changes["area"]
    assert (area.baseline, area.latest, area.points, area.percent) == (240, 150, -90, -37.5)
    assert progress.changes["height"].points == -2


def test_an_assessment_entered_in_error_is_left_out(course, clinician):
    assess(course, clinician, datetime.date(2031, 4, 1), (3, 2, 5, 3), entered_in_error=True)
    progress = scar_progress(course, ON)
    assert len(progress.points) == 3
    assert progress.changes["vss"].latest == 5


def test_assessments_after_the_day_asked_about_do_not_count(course):
    progress = scar_progress(course, datetime.date(2031, 2, 20))
    assert progress.changes["vss"].latest == 8
    assert progress.sessions_done == 2


def test_non_response_is_the_engines_finding(scar, clinician):
    assess(scar, clinician, datetime.date(2031, 1, 5), (2, 1, 3, 2))
    for day in (datetime.date(2031, 1, 10), datetime.date(2031, 2, 14), datetime.date(2031, 3, 21)):
        TreatmentSessionFactory(scar=scar, performed_on=day)
    assess(scar, clinician, datetime.date(2031, 3, 21), (2, 1, 2, 2))  # 8 → 7: less than 2 points better
    progress = scar_progress(scar, ON)
    assert [f["code"] for f in progress.findings] == ["REL-13"]


def test_goal_reached_is_the_engines_finding(course, clinician):
    assess(course, clinician, datetime.date(2031, 4, 25), (1, 1, 1, 0), (30, 5, 0))
    progress = scar_progress(course, ON)
    assert [f["code"] for f in progress.findings] == ["STP-01"]


def test_expected_course_follows_morphology_and_technique():
    keloid_contact = expected_course("keloid", "contact")
    assert KELOID_CONTACT in keloid_contact and SESSIONS in keloid_contact
    intralesional = expected_course("hypertrophic", "intralesional")
    assert INTRALESIONAL in intralesional and SESSIONS not in intralesional
    assert all(line.sources for line in keloid_contact + intralesional)


def test_the_chart_draws_each_measure_and_marks_the_sessions(course):
    chart = progress_chart(scar_progress(course, ON))
    assert [p.key for p in chart.panels] == ["vss", "height", "area"]  # no POSAS recorded
    vss = chart.panels[0]
    assert [d.value for d in vss.dots] == [10, 8, 5]
    assert vss.dots[0].y < vss.dots[1].y < vss.dots[2].y  # lower scores sit lower (SVG's y runs down)
    assert [m.number for m in chart.markers] == [1, 2]
    assert chart.markers[0].x == vss.dots[0].x  # the first session was on the baseline's day


def test_no_chart_without_an_assessment(scar):
    assert progress_chart(scar_progress(scar, ON)) is None


def _photo(assessment, user):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 150, 140)).save(buffer, format="JPEG")
    return AssessmentPhoto.objects.create(
        assessment=assessment, image=SimpleUploadedFile("p.jpg", buffer.getvalue()), uploaded_by=user
    )


@time_machine.travel(NOON, tick=False)
def test_progress_page_shows_summary_chart_table_and_photos(client, course, clinician):
    client.force_login(clinician)  # on the travelled clock, or the idle log-out ends the session
    first, middle, last = course.assessments.order_by("assessed_on")
    photos = [_photo(a, clinician) for a in (first, middle, last)]
    url = reverse("outcomes:scar_progress", args=[course.pk])

    html = client.get(url).content.decode()
    assert 'id="sessions-done">2<' in html
    assert "−5 points" in html and "(−50%)" in html
    assert html.count('class="chart-panel"') == 3 and html.count('class="chart-session"') == 6
    assert html.count('<tr><th scope="row"') == 3
    compared = html.split('id="photos"')[1]
    assert reverse("patients:photo", args=[photos[0].pk]) in compared  # baseline
    assert reverse("patients:photo", args=[photos[2].pk]) in compared  # latest
    assert reverse("patients:photo", args=[photos[1].pk]) not in compared

    chosen = client.get(url, {"left": middle.pk, "right": last.pk}).content.decode().split('id="photos"')[1]
    assert reverse("patients:photo", args=[photos[1].pk]) in chosen
    assert reverse("patients:photo", args=[photos[0].pk]) not in chosen


@time_machine.travel(NOON, tick=False)
def test_another_scars_assessment_cannot_be_put_beside(client, course, clinician):
    client.force_login(clinician)
    other = ScarFactory(patient=course.patient)
    stranger = _photo(assess(other, clinician, datetime.date(2031, 1, 1), (1, 1, 1, 1)), clinician)
    html = client.get(
        reverse("outcomes:scar_progress", args=[course.pk]), {"left": stranger.assessment_id}
    ).content.decode()
    assert reverse("patients:photo", args=[stranger.pk]) not in html


def test_the_progress_page_is_behind_the_access_layer_and_logged(outsider, clinician, course):
    url = reverse("outcomes:scar_progress", args=[course.pk])
    client = Client()
    assert client.get(url).status_code == 302  # log-in first
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(clinician)
    assert client.get(url).status_code == 200
    assert AccessEvent.objects.filter(object_type="scar", object_id=str(course.pk), action="view").exists()
