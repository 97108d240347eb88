import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image

from patients.models import AssessmentPhoto, ScarAssessment
from patients.tests.factories import ScarAssessmentFactory

BASE = {"assessed_on": "2026-11-01", "length_mm": "40", "width_mm": "6", "height_mm": "3"}
VSS = {"vss_vascularity": 2, "vss_pigmentation": 1, "vss_pliability": 3, "vss_height": 2}


def _post(client, scar, data, files=None):
    return client.post(reverse("patients:assessment_create", args=[scar.pk]), {**data, **(files or {})})


@pytest.mark.parametrize(
    "field,value",
    [("vss_vascularity", 4), ("vss_pigmentation", 3), ("vss_pliability", 6), ("vss_height", 4), ("vss_height", -1)],
)
def test_vss_item_out_of_range_is_refused_on_its_field(clinician_client, scar, field, value):
    response = _post(clinician_client, scar, {**BASE, **VSS, field: value})
    assert field in response.context["form"].errors
    assert not ScarAssessment.objects.exists()


def test_vss_total_is_computed(clinician_client, scar):
    _post(
        clinician_client,
        scar,
        {**BASE, "vss_vascularity": 3, "vss_pigmentation": 2, "vss_pliability": 5, "vss_height": 3},
    )
    assert ScarAssessment.objects.get().vss_total == 13


def test_partial_vss_is_refused(clinician_client, scar):
    response = _post(clinician_client, scar, {**BASE, "vss_vascularity": 1})
    assert "vss_height" in response.context["form"].errors


@pytest.mark.parametrize("field", ["posas_obs_vascularity", "posas_pt_itching", "posas_obs_overall"])
@pytest.mark.parametrize("value", [0, 11])
def test_posas_item_out_of_range_is_refused_on_its_field(clinician_client, scar, field, value):
    response = _post(clinician_client, scar, {**BASE, field: value})
    assert field in response.context["form"].errors


def test_posas_totals_are_six_items_without_the_overall_opinion(clinician_client, scar):
    obs = {
        f: 10
        for f in [
            "posas_obs_vascularity",
            "posas_obs_pigmentation",
            "posas_obs_thickness",
            "posas_obs_relief",
            "posas_obs_pliability",
            "posas_obs_surface_area",
        ]
    }
    pt = {
        f: 1
        for f in [
            "posas_pt_pain",
            "posas_pt_itching",
            "posas_pt_colour",
            "posas_pt_stiffness",
            "posas_pt_thickness",
            "posas_pt_irregularity",
        ]
    }
    _post(clinician_client, scar, {**BASE, **obs, **pt, "posas_obs_overall": 9, "posas_pt_overall": 2})
    saved = ScarAssessment.objects.get()
    assert (saved.posas_observer_total, saved.posas_patient_total) == (60, 6)


def test_negative_size_and_pain_above_ten_are_refused(clinician_client, scar):
    response = _post(clinician_client, scar, {**BASE, "height_mm": "-1", "pain_score": 11})
    assert {"height_mm", "pain_score"} <= set(response.context["form"].errors)


def test_database_refuses_out_of_range_vss(scar, clinician):
    with pytest.raises(IntegrityError), transaction.atomic():
        ScarAssessmentFactory(scar=scar, assessor=clinician, vss_vascularity=9)


def test_site_findings_must_be_rules_codes(clinician_client, scar):
    response = _post(clinician_client, scar, {**BASE, "site_findings": ["active_infection", "bogus"]})
    assert "site_findings" in response.context["form"].errors
    _post(clinician_client, scar, {**BASE, "site_findings": ["open_wound"]})
    assert ScarAssessment.objects.get().site_findings == ["open_wound"]


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 80, 80))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2026:11:01 10:00:00"  # DateTime
    gps = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_stored_photo_has_no_exif(clinician_client, scar):
    raw = _jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the upload does carry a location
    response = _post(clinician_client, scar, BASE, {"photos": SimpleUploadedFile("scar.jpg", raw, "image/jpeg")})
    assert response.status_code == 302
    photo = AssessmentPhoto.objects.get()
    with photo.image.open("rb") as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert len(image.getexif()) == 0
    assert b"PhoneMaker" not in data and b"Exif" not in data
    assert not photo.image.name.endswith("scar.jpg")


def test_several_photos_per_assessment(clinician_client, scar):
    files = [SimpleUploadedFile(f"p{i}.jpg", _jpeg_with_gps(), "image/jpeg") for i in range(3)]
    _post(clinician_client, scar, BASE, {"photos": files})
    assert AssessmentPhoto.objects.count() == 3


def test_bad_upload_is_refused_on_the_photo_field_and_keeps_what_was_typed(clinician_client, scar):
    bad = SimpleUploadedFile("notes.jpg", b"this is not an image", "image/jpeg")
    response = _post(clinician_client, scar, {**BASE, **VSS, "notes": "Itchy after exercise"}, {"photos": bad})
    assert response.status_code == 200
    assert "could not be read as an image" in response.context["form"].errors["photos"][0]
    assert "Itchy after exercise" in response.content.decode()
    assert response.context["form"]["vss_pliability"].value() == "3"
    assert not ScarAssessment.objects.exists() and not AssessmentPhoto.objects.exists()


def test_gif_upload_is_refused_as_wrong_type(clinician_client, scar):
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    response = _post(clinician_client, scar, BASE, {"photos": SimpleUploadedFile("a.gif", out.getvalue(), "image/gif")})
    assert "not a JPEG, PNG or WebP" in response.context["form"].errors["photos"][0]


def test_oversized_upload_is_refused(clinician_client, scar, settings):
    settings.PHOTO_MAX_BYTES = 100
    response = _post(
        clinician_client, scar, BASE, {"photos": SimpleUploadedFile("a.jpg", _jpeg_with_gps(), "image/jpeg")}
    )
    assert "larger than" in response.context["form"].errors["photos"][0]


def test_photo_is_served_only_through_the_access_checked_view(clinician_client, scar):
    _post(clinician_client, scar, BASE, {"photos": SimpleUploadedFile("a.jpg", _jpeg_with_gps(), "image/jpeg")})
    photo = AssessmentPhoto.objects.get()
    response = clinician_client.get(reverse("patients:photo", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]


def test_assessment_appears_on_the_scar_page(clinician_client, assessment):
    response = clinician_client.get(reverse("sessions:scar", args=[assessment.scar_id]))
    assert list(response.context["assessments"]) == [assessment]
    assert b"8</strong>/13" in response.content


def _png(width: int, height: int) -> bytes:
    """A PNG of that size that costs little to make (one bit per pixel, one colour)."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return out.getvalue()


def test_three_40_megapixel_pictures_are_refused_before_any_is_decoded(clinician_client, scar, monkeypatch):
    big = _png(8000, 5000)
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self.size))  # counts decoding
    files = [SimpleUploadedFile(f"p{i}.png", big, "image/png") for i in range(3)]
    response = _post(clinician_client, scar, BASE, {"photos": files})
    assert response.status_code == 200
    assert (
        "has 40 megapixels; the most a photo may have is 25 megapixels" in response.context["form"].errors["photos"][0]
    )
    assert decoded == [] and not ScarAssessment.objects.exists()


def test_too_many_pixels_in_all_is_refused(clinician_client, scar, settings):
    settings.PHOTO_MAX_TOTAL_PIXELS = 30_000_000
    files = [SimpleUploadedFile(f"p{i}.png", _png(4000, 3000), "image/png") for i in range(3)]
    response = _post(clinician_client, scar, BASE, {"photos": files})
    assert "36 megapixels in all" in response.context["form"].errors["photos"][0]
    assert not AssessmentPhoto.objects.exists()


def test_more_than_six_photos_at_once_are_refused_on_the_field(clinician_client, scar):
    files = [SimpleUploadedFile(f"p{i}.jpg", _jpeg_with_gps(), "image/jpeg") for i in range(7)]
    response = _post(clinician_client, scar, BASE, {"photos": files})
    assert "at most 6 photos" in response.context["form"].errors["photos"][0]


@pytest.mark.slow
def test_a_12_megapixel_phone_photo_is_accepted(clinician_client, scar):
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (180, 120, 110)).save(out, format="JPEG", quality=80)
    response = _post(clinician_client, scar, BASE, {"photos": SimpleUploadedFile("phone.jpg", out.getvalue())})
    assert response.status_code == 302
    with AssessmentPhoto.objects.get().image.open("rb") as stored:
        assert Image.open(stored).size == (4000, 3000)


def test_a_multi_picture_jpeg_is_stored_as_a_plain_jpeg(clinician_client, scar):
    first, second = Image.new("RGB", (64, 48), (200, 80, 80)), Image.new("RGB", (64, 48), (10, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second], exif=exif)
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    response = _post(clinician_client, scar, BASE, {"photos": SimpleUploadedFile("phone.jpg", out.getvalue())})
    assert response.status_code == 302
    with AssessmentPhoto.objects.get().image.open("rb") as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and getattr(image, "n_frames", 1) == 1
    assert image.getpixel((5, 5))[0] > 150  # the first picture
    assert b"PhoneMaker" not in data
