"""The photo check with the REAL face engine (dlib through face_recognition) on the shared
photos, and compliant / non-compliant ID photos built from them (tests/photo_images.py)."""

import json

import numpy as np
import pytest
from django.utils import translation
from PIL import Image

from biometrics.check import (
    FaceMatch,
    PhotoCheckResult,
    encoding_deserialize,
    encoding_serialize,
    photo_check_run,
    reason_message,
)
from biometrics.face import DlibFaceEngine, ScenarioFaceEngine, face_engine
from biometrics.upload import image_sanitize
from tests import photo_images as pi

pytestmark = pytest.mark.faces


@pytest.fixture(scope="session")
def checked(faces_dir):
    """check(name) -> PhotoCheckResult of a shared photo, without a photo on file; each photo is
    detected and encoded once per test session."""
    cache = {}

    def check(name):
        if name not in cache:
            jpeg = image_sanitize(data=(faces_dir / name).read_bytes()).jpeg
            cache[name] = photo_check_run(jpeg=jpeg, on_file_encoding=None)
        return cache[name]

    return check


@pytest.fixture(scope="session")
def obama_on_file(checked):
    """The serialised encoding of obama_1.jpg (the official portrait): person A's photo on file."""
    return checked("obama_1.jpg").encoding


def _run(img, on_file=None):
    return photo_check_run(jpeg=image_sanitize(data=pi.to_jpeg(img)).jpeg, on_file_encoding=on_file)


def test_the_real_engine_is_the_default():
    assert isinstance(face_engine(), DlibFaceEngine)
    assert face_engine().model.startswith("dlib-") and face_engine().model.endswith("/hog+resnet_v1/5pt")


# --- face match on the real photos ------------------------------------------------------------
def test_another_photo_of_the_same_person_matches(faces_dir, obama_on_file):
    jpeg = image_sanitize(data=(faces_dir / "obama_2.jpg").read_bytes()).jpeg
    r = photo_check_run(jpeg=jpeg, on_file_encoding=obama_on_file)
    assert isinstance(r, PhotoCheckResult)
    m = r.face_match
    assert isinstance(m, FaceMatch)
    assert m.decision == "MATCH"
    assert 0.2 < m.distance <= 0.5
    assert (m.match_tolerance, m.reject_tolerance) == (0.5, 0.62)
    assert m.model == face_engine().model
    assert "FACE_MISMATCH" not in r.reason_codes
    assert r.metrics["face_distance"] == m.distance
    # obama_2 is a press photo on a dark busy background: not a compliant ID photo
    assert r.reason_codes == ["BACKGROUND_NOT_PLAIN"] and r.passed is False


def test_a_different_person_does_not_match(faces_dir, obama_on_file):
    jpeg = image_sanitize(data=(faces_dir / "biden_2.jpg").read_bytes()).jpeg
    r = photo_check_run(jpeg=jpeg, on_file_encoding=obama_on_file)
    assert r.face_match.decision == "NO_MATCH"
    assert r.face_match.distance > 0.62
    assert "FACE_MISMATCH" in r.reason_codes
    assert r.passed is False


def test_between_the_tolerances_is_review_and_review_passes(settings, obama_on_file):
    settings.FACE_MATCH_TOLERANCE = 0.2  # obama_2's compliant crop is ~0.37 from obama_1
    r = _run(pi.compliant("obama_2.jpg"), obama_on_file)
    assert r.face_match.decision == "REVIEW"
    assert 0.2 < r.face_match.distance <= 0.62
    assert r.face_match.match_tolerance == 0.2
    assert r.reasons == [] and r.passed is True


def test_without_a_photo_on_file_there_is_no_match_but_an_encoding(checked):
    r = checked("obama_2.jpg")
    assert r.face_match is None
    vec = encoding_deserialize(r.encoding)
    assert vec.shape == (128,) and vec.dtype == np.float64
    assert "face_distance" not in r.metrics


def test_encoding_round_trip_and_validation():
    v = np.linspace(-0.2, 0.2, 128)
    b = encoding_serialize(v)
    assert len(b) == 1024
    assert np.array_equal(encoding_deserialize(b), v)
    with pytest.raises(ValueError):
        encoding_serialize(np.zeros(127))
    with pytest.raises(ValueError):
        encoding_deserialize(b[:-8])


def test_distances_between_the_shared_photos_are_where_the_tolerances_expect(checked):
    people = {
        "obama_1.jpg": "A",
        "obama_1_1080p.jpg": "A",
        "obama_2.jpg": "A",
        "obama_3.jpg": "A",
        "biden_2.jpg": "B",
        "lin_manuel_miranda.png": "C",
    }
    names = list(people)
    vecs = {n: encoding_deserialize(checked(n).encoding) for n in names}
    same, different = [], []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            d = float(np.linalg.norm(vecs[a] - vecs[b]))
            (same if people[a] == people[b] else different).append(d)
    assert max(same) <= 0.5, same  # all MATCH
    assert min(different) > 0.62, different  # all NO_MATCH


# --- outcomes on the shared photos ---------------------------------------------------------
def test_two_faces(checked, faces_dir, obama_on_file):
    assert checked("two_people.jpg").metrics["faces"] == 2
    jpeg = image_sanitize(data=(faces_dir / "two_people.jpg").read_bytes()).jpeg
    r = photo_check_run(jpeg=jpeg, on_file_encoding=obama_on_file)
    assert r.reason_codes[0] == "MULTIPLE_FACES" and "NO_FACE" not in r.reason_codes
    assert r.face_match is None and r.encoding is None and r.passed is False


def test_no_face_is_an_outcome_not_an_exception(obama_on_file):
    with translation.override("en"):
        r = _run(Image.new("RGB", (600, 750), (245, 245, 245)), obama_on_file)
    assert r.reason_codes == ["NO_FACE"]
    assert r.face_match is None and r.encoding is None and r.passed is False
    assert r.metrics["faces"] == 0
    assert r.reasons[0].message.startswith("No face was found")


def test_a_face_cut_by_the_frame_is_not_centred(checked):
    r = checked("obama_partial_face.jpg")
    assert "FACE_NOT_CENTRED" in r.reason_codes
    assert r.metrics["boxes"][0][3] == 0  # the box touches the left edge
    assert r.metrics["face_cut_by_frame"] is True
    assert r.passed is False


def test_small_face_in_a_full_length_portrait(checked):
    r = checked("biden_1.jpg")
    assert "FACE_TOO_SMALL" in r.reason_codes
    assert r.metrics["face_ratio"] < 0.18


def test_rgba_png_is_checked_like_its_jpeg(checked):
    a, b = checked("rgba_32bit.png"), checked("obama_2.jpg")
    assert a.metrics["boxes"] == b.metrics["boxes"]
    assert float(np.linalg.norm(encoding_deserialize(a.encoding) - encoding_deserialize(b.encoding))) < 0.06


# --- the quality rules on built ID photos ---------------------------------------------------
def test_a_compliant_photo_passes_and_matches(obama_on_file):
    r = _run(pi.compliant("obama_2.jpg"), obama_on_file)
    assert r.reasons == []
    assert r.passed is True
    assert r.face_match.decision == "MATCH"
    m = r.metrics
    assert m["faces"] == 1 and m["width"] == 600 and m["height"] == 750
    for key in (
        "face_ratio",
        "centre_offset_x",
        "centre_offset_y",
        "sharpness",
        "face_luma",
        "background_luma",
        "background_std",
        "detect_ms",
        "encode_ms",
    ):
        assert isinstance(m[key], (int, float)), key
    assert r.duration_ms > 0
    assert m["face_cut_by_frame"] is False
    assert json.loads(json.dumps(r.metrics)) == r.metrics  # storable as JSON for the audit trail


def test_a_compliant_photo_of_someone_else_fails_only_on_the_match(obama_on_file):
    r = _run(pi.compliant("biden_2.jpg"), obama_on_file)
    assert r.reason_codes == ["FACE_MISMATCH"]
    assert r.face_match.decision == "NO_MATCH" and r.passed is False


@pytest.mark.parametrize(
    "build, code",
    [
        (pi.dark, "TOO_DARK"),
        (pi.bright, "TOO_BRIGHT"),
        (pi.blurred, "BLURRY"),
        (pi.shifted, "FACE_NOT_CENTRED"),
        (pi.shrunk, "FACE_TOO_SMALL"),
        (pi.tiny, "LOW_RESOLUTION"),
        (pi.busy_background, "BACKGROUND_NOT_PLAIN"),
        (pi.grey_background, "BACKGROUND_NOT_PLAIN"),
    ],
    ids=["dark", "bright", "blurred", "shifted", "shrunk", "tiny", "busy-background", "grey-background"],
)
def test_each_rule_catches_its_fault_and_only_it(build, code, obama_on_file):
    r = _run(build(), obama_on_file)
    assert r.reason_codes == [code], r.metrics
    assert r.passed is False
    # the person is still recognised (a washed-out face may need an officer's look: REVIEW)
    assert r.face_match.decision in (("MATCH", "REVIEW") if code == "TOO_BRIGHT" else ("MATCH",))


def test_a_second_face_on_a_compliant_photo():
    r = _run(pi.two_faces())
    assert r.reason_codes == ["MULTIPLE_FACES"]
    assert r.metrics["faces"] == 2


def test_exif_rotated_compliant_photo_passes(obama_on_file):
    jpeg = image_sanitize(data=pi.exif_rotated_jpeg(pi.compliant("obama_2.jpg"))).jpeg
    r = photo_check_run(jpeg=jpeg, on_file_encoding=obama_on_file)
    assert r.reasons == [] and r.face_match.decision == "MATCH"
    # the same pixels without the orientation applied: the detector finds no face
    sideways = pi.to_jpeg(pi.compliant("obama_2.jpg").transpose(Image.Transpose.ROTATE_90))
    assert photo_check_run(jpeg=sideways, on_file_encoding=None).reason_codes[0] == "NO_FACE"


def test_a_face_cut_by_the_frame_is_refused_even_near_the_middle(settings, obama_on_file):
    settings.PHOTO_MAX_CENTRE_OFFSET = 0.5  # only the cut can refuse it now
    img = pi.compliant("obama_2.jpg", cy=0.85)  # the chin below the frame
    r = _run(img, obama_on_file)
    assert r.metrics["boxes"][0][2] == 750 and r.metrics["face_cut_by_frame"] is True
    assert r.metrics["centre_offset_y"] < 0.5
    assert r.reason_codes == ["FACE_NOT_CENTRED"]


def test_thresholds_are_settings(settings, obama_on_file):
    settings.PHOTO_MIN_WIDTH = 700
    settings.PHOTO_MAX_FACE_LUMA = 100
    r = _run(pi.compliant("obama_2.jpg"), obama_on_file)
    assert r.reason_codes == ["TOO_BRIGHT", "LOW_RESOLUTION"]


# --- messages ------------------------------------------------------------------------------
def test_messages_are_actionable_and_translated():
    with translation.override("ar"):
        ar = _run(pi.tiny()).reasons[0].message
        ar_lazy = str(reason_message("MULTIPLE_FACES"))
    with translation.override("en"):
        en = str(reason_message("LOW_RESOLUTION"))
        assert str(reason_message("TOO_DARK")).startswith("The photo is too dark")
        assert "more than one face" in str(reason_message("MULTIPLE_FACES")).lower()
    assert en.startswith("The photo's resolution is too low")
    assert ar != en and any("\u0600" <= ch <= "\u06ff" for ch in ar)
    assert any("\u0600" <= ch <= "\u06ff" for ch in ar_lazy)


# --- the scenario double (for the flow's fast tests) ----------------------------------------
@pytest.mark.parametrize(
    "scenario, codes, decision",
    [
        ("match", [], "MATCH"),
        ("review", [], "REVIEW"),
        ("mismatch", ["FACE_MISMATCH"], "NO_MATCH"),
        ("no_face", ["NO_FACE"], None),
        ("multiple_faces", ["MULTIPLE_FACES"], None),
    ],
)
def test_scenario_engine(settings, scenario, codes, decision):
    settings.FACE_ENGINE = "biometrics.face.ScenarioFaceEngine"
    settings.FACE_ENGINE_SCENARIO = scenario
    on_file = encoding_serialize(np.full(128, 0.05))
    r = photo_check_run(jpeg=pi.synthetic_portrait(), on_file_encoding=on_file)
    assert r.reason_codes == codes, r.metrics
    assert (r.face_match.decision if r.face_match else None) == decision
    assert r.metrics["model"] == "scenario-double"


def test_scenario_timeout_raises_a_transient_error(settings):
    from biometrics.face import FaceEngineError, FaceEngineTimeout

    settings.FACE_ENGINE_SCENARIO = "timeout"
    with pytest.raises(FaceEngineTimeout) as exc:
        photo_check_run(jpeg=pi.synthetic_portrait(), on_file_encoding=None, engine=ScenarioFaceEngine())
    assert isinstance(exc.value, FaceEngineError) and isinstance(exc.value, TimeoutError)


def test_warm_up_loads_the_real_engine_once():
    import sys

    from biometrics.face import _face_recognition, face_engine_warm_up

    assert face_engine_warm_up() == face_engine().model
    assert "face_recognition" in sys.modules
    assert _face_recognition() is _face_recognition()  # cached: imported once per process
    assert face_engine() is face_engine()


def test_contact_sheet_of_the_built_photos(artifacts, obama_on_file):
    """One picture of every built ID photo with its outcome, kept as an artifact
    (artifacts/screenshots/photo-check-samples.png) for a human to look at."""
    from PIL import ImageDraw

    samples = [
        ("compliant", pi.compliant(), []),
        ("dark", pi.dark(), ["TOO_DARK"]),
        ("bright", pi.bright(), ["TOO_BRIGHT"]),
        ("blurred", pi.blurred(), ["BLURRY"]),
        ("shifted", pi.shifted(), ["FACE_NOT_CENTRED"]),
        ("shrunk", pi.shrunk(), ["FACE_TOO_SMALL"]),
        ("busy", pi.busy_background(), ["BACKGROUND_NOT_PLAIN"]),
        ("grey wall", pi.grey_background(), ["BACKGROUND_NOT_PLAIN"]),
        ("other person", pi.compliant("biden_2.jpg"), ["FACE_MISMATCH"]),
        ("two faces", pi.two_faces(), ["MULTIPLE_FACES"]),
    ]
    tile_w, tile_h = 200, 290
    sheet = Image.new("RGB", (tile_w * 5, tile_h * 2), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, img, expected) in enumerate(samples):
        r = _run(img, obama_on_file)
        assert r.reason_codes == expected, (label, r.metrics)
        thumb = img.copy()
        thumb.thumbnail((tile_w - 10, tile_h - 50))
        x, y = (i % 5) * tile_w, (i // 5) * tile_h
        sheet.paste(thumb, (x + 5, y + 5))
        draw.text((x + 5, y + tile_h - 42), label, fill="black")
        outcome = ",".join(expected) or "PASSED"
        draw.text((x + 5, y + tile_h - 28), outcome, fill="darkgreen" if not expected else "darkred")
        fm = r.face_match
        draw.text((x + 5, y + tile_h - 14), f"{fm.decision} {fm.distance:.2f}" if fm else "no match run", fill="black")
    path = artifacts / "photo-check-samples.png"
    sheet.save(path)
    assert Image.open(path).size == (1000, 580)
