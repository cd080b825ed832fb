"""Issue 11 item 5: decoding is bounded by memory, not just pixels. A JPEG is decoded with
Pillow's draft straight to the size the check needs; an image whose decoded pixels would pass
PHOTO_DECODE_MAX_BYTES is refused from its header, before decoding; every refused upload
spends one of the person's photo attempts. (Peak memory under load: scripts/bench_memory.py.)"""

import datetime as dt
import io
from unittest import mock

import pytest
from django.utils import timezone
from PIL import Image, JpegImagePlugin

from biometrics import upload
from biometrics.upload import decoded_bytes_estimate, image_decode, image_sanitize
from core.errors import ApplicationError
from tests import photo_images as pi


def test_a_6300_square_png_of_a_few_hundred_kb_is_refused_before_decoding(settings):
    data = pi.png_flat(6300, 6300)
    assert len(data) < 200_000
    assert 6300 * 6300 <= settings.PHOTO_MAX_PIXELS  # the pixel cap alone lets it through
    with mock.patch.object(upload, "_strict_load", wraps=upload._strict_load) as load, pytest.raises(ApplicationError) as exc:
        image_sanitize(data=data)
    assert exc.value.code == "IMAGE_TOO_LARGE" and exc.value.status == 400
    assert exc.value.details["decoded_bytes"] == 6300 * 6300 * 3 > settings.PHOTO_DECODE_MAX_BYTES
    load.assert_not_called()


def test_the_memory_cap_is_a_setting(settings):
    data = pi.png_flat(1200, 1500)
    settings.PHOTO_DECODE_MAX_BYTES = 1200 * 1500 * 3 - 1
    with pytest.raises(ApplicationError) as exc:
        image_decode(data=data)
    assert exc.value.code == "IMAGE_TOO_LARGE"
    settings.PHOTO_DECODE_MAX_BYTES = 1200 * 1500 * 3
    assert image_decode(data=data)[0].size == (1200, 1500)


def test_a_large_jpeg_is_decoded_with_draft_to_the_size_the_check_needs(settings):
    buf = io.BytesIO()
    Image.new("RGB", (6000, 4500), (90, 120, 150)).save(buf, "JPEG", quality=80)
    img = Image.open(io.BytesIO(buf.getvalue()))
    full = decoded_bytes_estimate(img)
    assert full > settings.PHOTO_DECODE_MAX_BYTES  # decoding it whole would pass the cap
    with mock.patch.object(JpegImagePlugin.JpegImageFile, "draft", autospec=True, side_effect=JpegImagePlugin.JpegImageFile.draft) as draft:
        out, _sha = image_decode(data=buf.getvalue())
    draft.assert_called()
    assert max(out.size) <= settings.PHOTO_DECODE_MAX_SIDE
    assert out.size[0] / out.size[1] == pytest.approx(6000 / 4500, rel=0.01)


def test_a_large_png_within_the_cap_is_scaled_down_before_any_copy(settings):
    out, _sha = image_decode(data=pi.png_flat(3000, 3000))
    assert max(out.size) == settings.PHOTO_DECODE_MAX_SIDE


def test_a_photo_the_size_of_the_check_is_untouched():
    out, _sha = image_decode(data=pi.png_flat(600, 800))
    assert out.size == (600, 800)


# --- refused uploads spend attempts ------------------------------------------------------------
@pytest.mark.django_db
def test_every_refused_upload_counts_against_the_attempt_limit(person, api_client_for, settings):
    from tests.factories import IdCardFactory

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"decode-test-{person.pk}-{timezone.now().timestamp()}"}}
    settings.ID_PHOTO_ATTEMPTS_MAX = 3
    IdCardFactory(person=person, expiry_date=timezone.localdate() + dt.timedelta(days=30))
    c = api_client_for(person)
    codes = []
    for data in (pi.png_flat(6300, 6300), b"not an image", b""):
        f = io.BytesIO(data)
        f.name = "p.png"
        codes.append(c.post("/api/v1/civil-affairs/id-renewals/", {"photo": f}, format="multipart").json()["error"]["code"])
    assert codes == ["IMAGE_TOO_LARGE", "INVALID_IMAGE", "INVALID_IMAGE"]
    f = io.BytesIO(pi.to_jpeg(Image.new("RGB", (600, 800), (200, 200, 200))))
    f.name = "p.jpg"
    r = c.post("/api/v1/civil-affairs/id-renewals/", {"photo": f}, format="multipart")
    assert r.status_code == 429 and r.json()["error"]["code"] == "RATE_LIMITED"
    assert int(r.json()["error"]["details"]["retry_after"]) > 0
