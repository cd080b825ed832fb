"""Hostile uploads: biometrics.upload.image_sanitize on real photos and crafted files."""

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageFile

from biometrics.upload import SanitizedImage, image_sanitize
from core.errors import ApplicationError
from tests import photo_images as pi
from tests.conftest import ROOT

pytestmark = pytest.mark.faces


def _read(faces_dir, name):
    return (faces_dir / name).read_bytes()


def _refused(data, code):
    with pytest.raises(ApplicationError) as exc:
        image_sanitize(data=data)
    assert exc.value.code == code
    assert exc.value.status == 400
    assert exc.value.message
    return exc.value


def test_a_real_photo_is_re_encoded_without_metadata(faces_dir):
    raw = _read(faces_dir, "obama_1.jpg")
    assert Image.open(io.BytesIO(raw)).getexif().get(0x013B) == "Pete Souza"  # Artist: the original has metadata
    out = image_sanitize(data=raw)
    assert isinstance(out, SanitizedImage)
    assert (out.width, out.height) == (910, 1137)
    img = Image.open(io.BytesIO(out.jpeg))
    assert img.format == "JPEG" and img.mode == "RGB" and img.size == (910, 1137)
    assert dict(img.getexif()) == {}
    assert "icc_profile" not in img.info and "exif" not in img.info
    assert out.jpeg != raw


def test_sha256_is_of_the_raw_upload_and_stable(faces_dir):
    import hashlib

    raw = _read(faces_dir, "obama_2.jpg")
    a, b = image_sanitize(data=raw), image_sanitize(data=raw)
    assert a.sha256 == b.sha256 == hashlib.sha256(raw).hexdigest()
    assert image_sanitize(data=_read(faces_dir, "obama_1.jpg")).sha256 != a.sha256


def test_exif_rotated_phone_photo_is_turned_upright(faces_dir):
    upright = Image.open(faces_dir / "obama_2.jpg").convert("RGB")  # 626 x 1200 portrait
    data = pi.exif_rotated_jpeg(upright)
    stored = Image.open(io.BytesIO(data))
    assert stored.size == (1200, 626) and stored.getexif()[0x0112] == 6  # sideways on disk, as phones do
    out = image_sanitize(data=data)
    assert (out.width, out.height) == (626, 1200)
    img = Image.open(io.BytesIO(out.jpeg))
    assert dict(img.getexif()) == {}  # orientation applied, so the tag (and the Make) are gone
    # the pixels are upright: close to the original, far from the sideways version
    a = np.asarray(img.convert("L"), dtype=np.float32)
    b = np.asarray(upright.convert("L"), dtype=np.float32)
    assert float(np.abs(a - b).mean()) < 4.0


def test_rgba_png_loses_its_alpha_on_white(faces_dir):
    out = image_sanitize(data=_read(faces_dir, "rgba_32bit.png"))
    assert (out.width, out.height) == (626, 1200)
    assert Image.open(io.BytesIO(out.jpeg)).mode == "RGB"
    # a transparent corner becomes white, not black
    rgba = Image.open(faces_dir / "rgba_32bit.png").convert("RGBA")
    alpha = rgba.getchannel("A")
    alpha.paste(0, (0, 0, 100, 100))
    rgba.putalpha(alpha)
    img = Image.open(io.BytesIO(image_sanitize(data=pi.to_png(rgba)).jpeg))
    corner = np.asarray(img.crop((10, 10, 90, 90)), dtype=np.float32)
    assert corner.min() >= 245


def test_truncated_jpeg_and_png_are_refused_even_with_face_recognition_imported(faces_dir):
    import face_recognition  # noqa: F401  (sets ImageFile.LOAD_TRUNCATED_IMAGES = True)

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    # Pillow alone would now accept it:
    Image.open(io.BytesIO(pi.truncated(_read(faces_dir, "obama_1.jpg")))).load()
    _refused(pi.truncated(_read(faces_dir, "obama_1.jpg")), "INVALID_IMAGE")
    _refused(pi.truncated(_read(faces_dir, "lin_manuel_miranda.png")), "INVALID_IMAGE")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored for the rest of the process


def test_decompression_bomb_is_refused_from_its_header():
    data = pi.png_bomb(8000, 8000)  # 64 MP claimed (under Pillow's own 89 MP guard) in a tiny file
    assert len(data) < 10_000
    err = _refused(data, "IMAGE_TOO_LARGE")
    assert err.details == {"width": 8000, "height": 8000, "max_pixels": 40_000_000}


@pytest.mark.parametrize("side", [30000, 10000], ids=["error-past-2x", "warning-past-1x"])
def test_pillows_own_bomb_guard_also_gives_image_too_large(settings, side):
    settings.PHOTO_MAX_PIXELS = 10**12  # our cap out of the way: Pillow's MAX_IMAGE_PIXELS must still refuse
    err = _refused(pi.png_bomb(side, side), "IMAGE_TOO_LARGE")
    assert err.details == {"reason": "decompression_bomb"}  # a code, never the decoder's own message


def test_pixel_cap_is_a_setting(settings, faces_dir):
    settings.PHOTO_MAX_PIXELS = 1000 * 1000
    _refused(_read(faces_dir, "obama_1.jpg"), "IMAGE_TOO_LARGE")  # 910 x 1137 > 1 MP
    assert image_sanitize(data=_read(faces_dir, "lin_manuel_miranda.png")).width == 704  # 704 x 612 < 1 MP


def test_oversized_file_is_refused_before_anything_else(settings, faces_dir):
    big = _read(faces_dir, "obama_1.jpg") + b"\0" * settings.PHOTO_MAX_UPLOAD_BYTES
    err = _refused(big, "IMAGE_TOO_LARGE")
    assert err.details["bytes"] == len(big)


@pytest.mark.parametrize(
    "data",
    [
        pi.not_an_image(),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"",
        b"\xff\xd8\xff\xe0" + b"\0" * 40,  # a JPEG signature and nothing after it
    ],
    ids=["html", "pdf", "empty", "jpeg-magic-only"],
)
def test_non_images_with_an_image_name_are_invalid(data):
    _refused(data, "INVALID_IMAGE")


def test_other_image_formats_are_refused():
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(buf, "GIF")
    _refused(buf.getvalue(), "INVALID_IMAGE")
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(buf, "BMP")
    _refused(buf.getvalue(), "INVALID_IMAGE")


def test_upload_module_does_not_import_face_recognition():
    code = (
        "import django, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'absher.settings.test'); django.setup();"
        "import biometrics.upload;"
        "from PIL import ImageFile;"
        "print('face_recognition' in sys.modules, ImageFile.LOAD_TRUNCATED_IMAGES)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False"
