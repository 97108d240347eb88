"""Clinical photo intake: check the upload, then re-encode it so that no metadata survives.

A phone photo carries EXIF (camera, time, often GPS location). Re-encoding the pixels alone into
a fresh JPEG drops all of it; the orientation tag is applied to the pixels first so the picture
still stands the right way up.
"""

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


def photo_reencode(uploaded) -> ContentFile:
    """Return a clean JPEG of an uploaded image, or raise ValidationError with a plain message."""
    if uploaded.size > settings.PHOTO_MAX_BYTES:
        limit_mb = settings.PHOTO_MAX_BYTES // (1024 * 1024)
        raise ValidationError(f"“{uploaded.name}” is larger than {limit_mb} MB.", code="too_large")
    try:
        uploaded.seek(0)
        with Image.open(uploaded) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in ACCEPTED_FORMATS:
                raise ValidationError(f"“{uploaded.name}” is not a JPEG, PNG or WebP image.", code="bad_type")
            if width * height > settings.PHOTO_MAX_PIXELS:
                raise ValidationError(f"“{uploaded.name}” has too many pixels.", code="too_large")
            probe.verify()
        uploaded.seek(0)
        with Image.open(uploaded) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            if img.mode in ("RGBA", "LA", "P"):
                img = img.convert("RGBA")
                background = Image.new("RGB", img.size, (255, 255, 255))
                background.paste(img, mask=img.split()[-1])
                img = background
            else:
                img = img.convert("RGB")
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=90, optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            f"“{uploaded.name}” could not be read as an image. Upload a JPEG, PNG or WebP photo.",
            code="unreadable",
        ) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
