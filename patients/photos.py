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

# MPO: the multi-picture JPEG many phones write; its first picture is the photo, stored as a plain JPEG.
ACCEPTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


_READ_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def _unreadable(uploaded) -> ValidationError:
    return ValidationError(
        f"“{uploaded.name}” could not be read as an image. Upload a JPEG, PNG or WebP photo.", code="unreadable"
    )


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f} megapixels"


def photos_check(uploads: list) -> None:
    """Refuse a set of uploads before any picture is decoded: too many files, a picture with too many
    pixels, or too many pixels in all (each header is read, never the pixel data)."""
    if len(uploads) > settings.PHOTO_MAX_FILES:
        raise ValidationError(f"Upload at most {settings.PHOTO_MAX_FILES} photos at a time.", code="too_many")
    total = 0
    for uploaded in uploads:
        width, height = _probe(uploaded)
        if width * height > settings.PHOTO_MAX_PIXELS:
            raise ValidationError(
                f"“{uploaded.name}” has {_megapixels(width * height)}; "
                f"the most a photo may have is {_megapixels(settings.PHOTO_MAX_PIXELS)}.",
                code="too_large",
            )
        total += width * height
    if total > settings.PHOTO_MAX_TOTAL_PIXELS:
        raise ValidationError(
            f"These photos have {_megapixels(total)} in all; upload at most "
            f"{_megapixels(settings.PHOTO_MAX_TOTAL_PIXELS)} at a time (fewer photos per assessment save).",
            code="too_large",
        )


def _probe(uploaded) -> tuple[int, int]:
    """The picture's size from its header, after the file's size and format are checked."""
    if uploaded.size > settings.PHOTO_MAX_BYTES:
        limit_mb = settings.PHOTO_MAX_BYTES // (1024 * 1024)
        raise ValidationError(f"“{uploaded.name}” is larger than {limit_mb} MB.", code="too_large")
    try:
        uploaded.seek(0)
        with Image.open(uploaded) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError(f"“{uploaded.name}” is not a JPEG, PNG or WebP image.", code="bad_type")
            return probe.size
    except ValidationError:
        raise
    except _READ_ERRORS:
        raise _unreadable(uploaded) from None


def photo_reencode(uploaded) -> ContentFile:
    """Return a clean JPEG of an uploaded image, or raise ValidationError with a plain message."""
    photos_check([uploaded])
    try:
        uploaded.seek(0)
        with Image.open(uploaded) as probe:
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
    except _READ_ERRORS:
        raise _unreadable(uploaded) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
