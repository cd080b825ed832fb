"""Hostile-upload sanitising for photos: size cap, pixel cap from the header before any
decoding, JPEG and PNG decoders only, EXIF orientation applied, alpha removed, and a fresh
JPEG re-encoded without metadata.

This module MUST NOT import face_recognition: importing it sets Pillow's
ImageFile.LOAD_TRUNCATED_IMAGES = True for the whole process. Uploads are validated here,
and the full decode is additionally forced with that switch off (under a lock), so a
truncated file is refused even in a process where face_recognition was imported.

The sha256 is of the RAW upload bytes: it is stable (independent of the JPEG encoder's
version and settings), so "the same failed image sent again is refused at once" is a plain
lookup by hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import threading
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

from core.errors import ApplicationError

log = logging.getLogger(__name__)

ALLOWED_FORMATS = ["JPEG", "PNG"]
_strict_load_lock = threading.Lock()


@dataclass(frozen=True)
class SanitizedImage:
    jpeg: bytes
    width: int
    height: int
    sha256: str


def _too_large(details: dict) -> ApplicationError:
    return ApplicationError(
        "IMAGE_TOO_LARGE",
        _("The photo is too large. Send a JPEG or PNG photo of at most %(mb)s MB and %(mp)s megapixels.")
        % {"mb": _fmt(settings.PHOTO_MAX_UPLOAD_BYTES / (1024 * 1024)), "mp": _fmt(settings.PHOTO_MAX_PIXELS / 1_000_000)},
        details,
        status=400,
    )


def _invalid(reason: str) -> ApplicationError:
    return ApplicationError(
        "INVALID_IMAGE",
        _("The file is not a readable photo. Send a complete JPEG or PNG photo."),
        {"reason": reason},
        status=400,
    )


def _fmt(x: float) -> str:
    return f"{x:g}" if x == int(x) else f"{x:.1f}"


# Bytes per pixel of a decoded mode (RGBA, I, F and the rest: 4).
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "I;16": 2, "I;16B": 2, "I;16L": 2, "RGB": 3, "YCbCr": 3, "LAB": 3, "HSV": 3}


def decoded_bytes_estimate(img: Image.Image) -> int:
    """The memory the decoded pixels of this opened (not loaded) image take, from its header
    (after a JPEG's draft). Every copy made after decoding (orientation, RGB) is of the image
    already scaled down to PHOTO_DECODE_MAX_SIDE."""
    return img.size[0] * img.size[1] * _MODE_BYTES.get(img.mode, 4)


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    w, h = size
    scale = side / max(w, h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _shrink(img: Image.Image, side: int) -> Image.Image:
    """Scale down to `side` on the longest edge: integer reduce() first (cheap, box filter),
    then one resize for the rest."""
    factor = max(w // s for w, s in zip(img.size, _fit(img.size, side), strict=True))
    if factor >= 2:
        img = img.reduce(factor)
    if max(img.size) > side:
        img = img.resize(_fit(img.size, side), Image.LANCZOS)
    return img


def _strict_load(img: Image.Image) -> None:
    """Decode every pixel with Pillow's accept-truncated switch OFF, whatever another
    import set it to, then restore it. The lock keeps two threads from interleaving."""
    with _strict_load_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            img.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _flatten_to_rgb(img: Image.Image) -> Image.Image:
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if has_alpha:
        rgba = img.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        return canvas.convert("RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale PNG: scale to 8 bits before converting (Pillow would clip).
        return img.point(lambda v: v / 256).convert("L").convert("RGB")
    return img.convert("RGB")


def image_sanitize(*, data: bytes) -> SanitizedImage:
    """Validate an untrusted upload and return a clean JPEG (no metadata, upright, RGB).

    Raises ApplicationError IMAGE_TOO_LARGE (bytes or pixels over the caps, or a
    decompression bomb) or INVALID_IMAGE (not a complete JPEG/PNG), both status 400.
    """
    rgb, sha256 = image_decode(data=data)
    try:
        out = io.BytesIO()
        # No exif=, no icc_profile=: the new file carries no metadata at all.
        rgb.save(out, "JPEG", quality=settings.PHOTO_JPEG_QUALITY, optimize=True)
    except Exception as exc:  # noqa: BLE001 - hostile input: any failure to re-encode is an invalid image
        log.info("upload refused, cannot re-encode: %s: %s", type(exc).__name__, exc)
        raise _invalid("cannot_convert") from None
    return SanitizedImage(jpeg=out.getvalue(), width=rgb.width, height=rgb.height, sha256=sha256)


def image_decode(*, data: bytes, max_bytes: int | None = None, max_pixels: int | None = None) -> tuple[Image.Image, str]:
    """The same checks as image_sanitize, without the new JPEG: an upright RGB image (for the
    live quick check, which keeps nothing) and the sha256 of the raw bytes. max_bytes,
    max_pixels: lower caps than PHOTO_MAX_UPLOAD_BYTES / PHOTO_MAX_PIXELS (a live frame is
    small; a tiny file can still declare a huge picture)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _invalid("not_bytes")
    data = bytes(data)
    cap = min(settings.PHOTO_MAX_UPLOAD_BYTES, max_bytes or settings.PHOTO_MAX_UPLOAD_BYTES)
    if len(data) > cap:
        raise _too_large({"bytes": len(data), "max_bytes": cap})
    if not data:
        raise _invalid("empty_file")
    sha256 = hashlib.sha256(data).hexdigest()
    with warnings.catch_warnings():
        # Pillow's own bomb guard (MAX_IMAGE_PIXELS): a warning past 1x, an error past 2x.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)  # reads the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large({"reason": "decompression_bomb"}) from None
        except Exception as exc:  # noqa: BLE001 - hostile input: UnidentifiedImageError, SyntaxError, struct errors on garbage
            log.info("upload refused, not a JPEG or PNG: %s: %s", type(exc).__name__, exc)
            raise _invalid("not_jpeg_or_png") from None
        width, height = img.size
        if width <= 0 or height <= 0:
            raise _invalid("empty_image")
        pixel_cap = min(settings.PHOTO_MAX_PIXELS, max_pixels or settings.PHOTO_MAX_PIXELS)
        if width * height > pixel_cap:
            raise _too_large({"width": width, "height": height, "max_pixels": pixel_cap})
        # Memory, not just pixels: a JPEG decodes straight to the size the check needs (DCT
        # scaling, 1/2 to 1/8); what would still be decoded is estimated from the header and
        # refused past PHOTO_DECODE_MAX_BYTES before a single pixel is decoded.
        side = settings.PHOTO_DECODE_MAX_SIDE
        if img.format == "JPEG" and max(img.size) > side:
            img.draft("RGB", _fit((width, height), side))
        decoded = decoded_bytes_estimate(img)
        if decoded > settings.PHOTO_DECODE_MAX_BYTES:
            raise _too_large(
                {"width": width, "height": height, "decoded_bytes": decoded, "max_decoded_bytes": settings.PHOTO_DECODE_MAX_BYTES}
            )
        try:
            _strict_load(img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large({"reason": "decompression_bomb"}) from None
        except Exception as exc:  # noqa: BLE001 - hostile input: OSError "image file is truncated", broken data streams, CRC errors
            log.info("upload refused, cannot decode: %s: %s", type(exc).__name__, exc)
            raise _invalid("cannot_decode") from None
    if max(img.size) > side:  # a PNG (no draft) or a JPEG past 8x: scale down before any copy
        img = _shrink(img, side)
    with contextlib.suppress(Exception):  # a malformed EXIF block: keep the pixels as stored
        img = ImageOps.exif_transpose(img)
    try:
        return _flatten_to_rgb(img), sha256
    except Exception as exc:  # noqa: BLE001 - hostile input: any failure to convert is an invalid image
        log.info("upload refused, cannot convert: %s: %s", type(exc).__name__, exc)
        raise _invalid("cannot_convert") from None
