"""Drawn pictures for the demo's assessments, so the photo comparison has something to compare.

Each is an illustration, not a photograph, and says so on the image: a patch of skin with the scar
drawn to its recorded length and width (4 px per mm) and reddened by its VSS vascularity.
"""

import io
import uuid

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from patients.models import AssessmentPhoto, ScarAssessment

SIZE = (480, 360)
SKIN = {  # by Fitzpatrick type
    1: (244, 222, 206),
    2: (236, 206, 184),
    3: (214, 178, 148),
    4: (186, 140, 104),
    5: (142, 98, 70),
    6: (96, 64, 46),
}
PIXELS_PER_MM = 4


def demo_picture(assessment: ScarAssessment, fitzpatrick: int | None) -> ContentFile:
    skin = SKIN.get(fitzpatrick or 2, SKIN[2])
    image = Image.new("RGB", SIZE, skin)
    draw = ImageDraw.Draw(image)
    length = min(float(assessment.length_mm or 20) * PIXELS_PER_MM, SIZE[0] - 60)
    width = min(float(assessment.width_mm or 5) * PIXELS_PER_MM, SIZE[1] - 100)
    redness = (assessment.vss_vascularity or 0) / 3
    scar = tuple(round(c * (1 - 0.35 * redness) + t * 0.35 * redness) for c, t in zip(skin, (200, 40, 60), strict=True))
    centre = (SIZE[0] / 2, SIZE[1] / 2 + 10)
    draw.ellipse(
        [centre[0] - length / 2, centre[1] - width / 2, centre[0] + length / 2, centre[1] + width / 2],
        fill=scar,
        outline=tuple(max(0, c - 40) for c in scar),
        width=2 + (assessment.vss_height or 0),
    )
    # A 10 mm scale bar and the label, as a clinic photo would carry a ruler and a date.
    draw.rectangle([20, SIZE[1] - 30, 20 + 10 * PIXELS_PER_MM, SIZE[1] - 26], fill=(30, 30, 30))
    draw.text((20, SIZE[1] - 22), "10 mm", fill=(30, 30, 30))
    draw.text((20, 14), f"DEMO ILLUSTRATION, NOT A PHOTO  {assessment.assessed_on:%Y-%m-%d}", fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def demo_photo_add(assessment: ScarAssessment, fitzpatrick: int | None, user) -> AssessmentPhoto:
    return AssessmentPhoto.objects.create(
        assessment=assessment,
        image=demo_picture(assessment, fitzpatrick),
        caption="Demo illustration, not a photo",
        uploaded_by=user,
    )
