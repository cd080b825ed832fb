"""The rules read from dlib's 68 landmarks (issue 10) with the REAL engine, on ID photos built
from the shared photographs (tests/photo_images.py) and faulty copies of them: NOT_COLOUR,
HEAD_TILTED, EYES_CLOSED, MOUTH_OPEN, RED_EYE, and the "possible glasses" flag (never a
reason). Then the quick check of live guidance (no encoding, no match, hints)."""

import numpy as np
import pytest
from django.utils import translation
from PIL import Image

from biometrics.check import FLAG_MESSAGES, hints_for, photo_check_run, photo_quick_check, reason_message
from biometrics.face import DlibFaceEngine, ScenarioFaceEngine, scenario_landmarks
from biometrics.upload import image_decode, image_sanitize
from tests import photo_images as pi

pytestmark = pytest.mark.faces

BUILT = ["obama_2.jpg", "obama_1.jpg", "obama_3.jpg", "biden_2.jpg"]


@pytest.fixture(autouse=True)
def _faces(faces_dir):
    return faces_dir


def _run(img, lang="en"):
    with translation.override(lang):
        return photo_check_run(jpeg=image_sanitize(data=pi.to_jpeg(img)).jpeg, on_file_encoding=None)


# Each new code's message (English) and the live-guidance hint it gives, exactly.
MESSAGES = {
    "NOT_COLOUR": "The photo must be in colour. Turn off black-and-white or sepia filters and take it again.",
    "HEAD_TILTED": "Your head is tilted or turned. Look straight at the camera with your head upright.",
    "EYES_CLOSED": "Your eyes look closed. Keep both eyes open and look at the camera.",
    "MOUTH_OPEN": "Your mouth is open. Keep a neutral expression with your mouth closed.",
    "RED_EYE": "Your eyes look red from the flash. Turn off the flash and use even daylight.",
}
HINTS = {
    "NOT_COLOUR": ("COLOUR", "Turn off black-and-white filters"),
    "HEAD_TILTED": ("FACE_THE_CAMERA", "Face the camera, head upright"),
    "EYES_CLOSED": ("OPEN_EYES", "Open your eyes"),
    "MOUTH_OPEN": ("CLOSE_MOUTH", "Close your mouth, neutral expression"),
    "RED_EYE": ("NO_FLASH", "Turn off the flash"),
}


def assert_only(r, code):
    """`r` refused for `code` alone, with its exact message; the hint it gives, exactly."""
    assert r.reason_codes == [code], r.metrics
    assert r.passed is False
    assert r.reasons[0].message == MESSAGES[code]
    with translation.override("en"):
        assert [(h.code, h.message) for h in hints_for(r.reason_codes)] == [HINTS[code]]


def test_the_engine_gives_68_landmarks_in_the_image_pixels():
    img = pi.compliant("obama_2.jpg")
    boxes, pts = DlibFaceEngine().locate_with_landmarks(np.asarray(img))
    assert len(boxes) == 1 and pts.shape == (68, 2)
    top, right, bottom, left = boxes[0]
    eyes = pts[36:48]
    assert (eyes[:, 0] > left).all() and (eyes[:, 0] < right).all()
    assert (eyes[:, 1] > top).all() and (eyes[:, 1] < (top + bottom) / 2).all()  # eyes in the upper half of the box
    assert pts[8, 1] > pts[57, 1] > pts[30, 1] > eyes[:, 1].max()  # chin below the mouth below the nose below the eyes
    # two faces: boxes, no landmarks
    boxes, pts = DlibFaceEngine().locate_with_landmarks(np.asarray(pi.two_faces()))
    assert len(boxes) == 2 and pts is None


@pytest.mark.parametrize("name", BUILT)
def test_compliant_builds_pass_every_new_rule_with_their_figures(name):
    r = _run(pi.compliant(name))
    assert r.reasons == [] and r.flags == []
    m = r.metrics
    assert abs(m["roll_deg"]) <= 8 and abs(m["yaw_ratio"]) <= 0.25
    assert (m["eye_ratio_left"] + m["eye_ratio_right"]) / 2 >= 0.12
    assert m["mouth_gap"] <= 0.36 and m["red_eye"] <= 0.12 and m["glasses_score"] <= 0.4
    assert m["colour_face"] >= 0.018 and m["colour_frame"] >= 0.018


@pytest.mark.parametrize("name", BUILT)
@pytest.mark.parametrize("build", [pi.greyscale, pi.sepia], ids=["greyscale", "sepia"])
def test_not_colour(build, name):
    r = _run(build(name))
    assert_only(r, "NOT_COLOUR")
    assert r.metrics["colour_face"] < 0.018 and r.metrics["colour_frame"] < 0.018


@pytest.mark.parametrize("name", ["obama_1.jpg", "obama_3.jpg", "biden_2.jpg"])
@pytest.mark.parametrize("degrees", [-15, 20])
def test_head_tilted_by_roll(name, degrees):
    r = _run(pi.rotated(name, degrees))
    assert_only(r, "HEAD_TILTED")
    assert abs(r.metrics["roll_deg"]) > 8


def test_a_slight_roll_passes():
    r = _run(pi.rotated("obama_1.jpg", 3))  # obama_1 is level (-1.0): 3 degrees measure about -3.5
    assert r.reason_codes == [] and -6 < r.metrics["roll_deg"] < -2


def test_head_turned_by_yaw(settings):
    """No turned copy can be built from a flat photo; obama_2 is a real photo with the head
    turned (yaw ratio about -0.21). With the limit under it, it is HEAD_TILTED; obama_1, which
    faces the camera (about -0.02), still passes."""
    settings.PHOTO_MAX_YAW_RATIO = 0.15
    turned = _run(pi.compliant("obama_2.jpg"))
    assert_only(turned, "HEAD_TILTED")
    assert turned.metrics["yaw_ratio"] < -0.15
    assert abs(turned.metrics["roll_deg"]) < 8  # not the roll
    assert _run(pi.compliant("obama_1.jpg")).reason_codes == []


def test_eyes_closed():
    """The eyelids painted shut on biden_2 (the build dlib reads as closed; on the obama builds
    it still fits open eyes, see docs/photo_check.md)."""
    r = _run(pi.eyes_closed("biden_2.jpg"))
    assert_only(r, "EYES_CLOSED")
    assert (r.metrics["eye_ratio_left"] + r.metrics["eye_ratio_right"]) / 2 < 0.12


@pytest.mark.parametrize("name", BUILT)
def test_mouth_open(name):
    r = _run(pi.mouth_open(name, 0.35))
    assert_only(r, "MOUTH_OPEN")
    assert r.metrics["mouth_gap"] > 0.36


@pytest.mark.parametrize("name", BUILT)
@pytest.mark.parametrize("radius", [0.1, 0.2])
def test_red_eye(name, radius):
    r = _run(pi.red_eyes(name, radius))
    assert_only(r, "RED_EYE")
    assert r.metrics["red_eye"] > 0.12


@pytest.mark.parametrize("name", BUILT)
def test_possible_glasses_is_a_flag_not_a_reason(name):
    r = _run(pi.with_glasses(name))
    assert r.reasons == [] and r.passed is True
    assert r.flags == ["POSSIBLE_GLASSES"]
    assert r.metrics["glasses_score"] > 0.4
    with translation.override("en"):
        assert str(FLAG_MESSAGES["POSSIBLE_GLASSES"]) == "Possible glasses (not certain): an officer checks the photo."


def test_new_thresholds_are_settings(settings):
    settings.PHOTO_MAX_MOUTH_GAP = 0.01
    settings.PHOTO_MIN_EYE_RATIO = 0.9
    settings.PHOTO_MIN_COLOUR_SPREAD = 0.5
    assert _run(pi.compliant("obama_1.jpg")).reason_codes == ["NOT_COLOUR", "EYES_CLOSED", "MOUTH_OPEN"]
    settings.PHOTO_GLASSES_SCORE = 0.0
    assert _run(pi.compliant("obama_1.jpg")).flags == ["POSSIBLE_GLASSES"]


def test_new_messages_are_translated():
    ar = _run(pi.greyscale("obama_1.jpg"), "ar").reasons[0].message
    en = _run(pi.greyscale("obama_1.jpg"), "en").reasons[0].message
    assert en == MESSAGES["NOT_COLOUR"]
    assert ar != en and any("\u0600" <= ch <= "\u06ff" for ch in ar)
    # every new code, its hint and the flag have an Arabic text of their own
    with translation.override("ar"):
        for code in MESSAGES:
            ar_message, ar_hint = str(reason_message(code)), hints_for([code])[0].message
            assert ar_message != MESSAGES[code] and any("\u0600" <= ch <= "\u06ff" for ch in ar_message), code
            assert ar_hint != HINTS[code][1] and any("\u0600" <= ch <= "\u06ff" for ch in ar_hint), code
        flag = str(FLAG_MESSAGES["POSSIBLE_GLASSES"])
        assert any("\u0600" <= ch <= "\u06ff" for ch in flag)


# --- the quick check ---------------------------------------------------------------------------
def _frame(img, height=480):
    """What the camera page sends: the picture scaled to `height` px, JPEG quality 0.8."""
    w = round(img.width * height / img.height)
    return image_decode(data=pi.to_jpeg(img.resize((w, height), Image.BILINEAR), quality=80))[0]


def test_quick_check_of_a_good_frame_passes_without_encoding_or_match():
    r = photo_quick_check(image=_frame(pi.compliant("obama_2.jpg")), frame=True)
    assert r.passed is True and r.reasons == [] and r.hints == []
    assert r.metrics["width"] == 384 and r.metrics["height"] == 480  # LOW_RESOLUTION not applied to a frame
    assert "encode_ms" not in r.metrics and "face_distance" not in r.metrics
    assert not hasattr(r, "encoding") and not hasattr(r, "face_match")


def test_quick_check_scales_a_big_frame_down():
    r = photo_quick_check(image=pi.compliant("obama_1.jpg").resize((960, 1200)), frame=True)
    assert (r.metrics["width"], r.metrics["height"]) == (384, 480) and r.passed is True


@pytest.mark.parametrize(
    "build, reason, hint",
    [
        (lambda: pi.shrunk(), "FACE_TOO_SMALL", "MOVE_CLOSER"),
        (lambda: pi.dark(), "TOO_DARK", "MORE_LIGHT"),
        (lambda: pi.busy_background(), "BACKGROUND_NOT_PLAIN", "PLAIN_BACKGROUND"),
        (lambda: pi.blurred("obama_2.jpg", 4), "BLURRY", "HOLD_STILL"),
        (lambda: pi.rotated("obama_1.jpg", 20), "HEAD_TILTED", "FACE_THE_CAMERA"),
        (lambda: Image.new("RGB", (600, 750), (245, 245, 245)), "NO_FACE", "FACE_THE_CAMERA"),
    ],
    ids=["small", "dark", "background", "blurred", "tilted", "no-face"],
)
def test_quick_check_hints(build, reason, hint):
    with translation.override("en"):
        r = photo_quick_check(image=_frame(build()), frame=True)
    assert r.reason_codes == [reason], r.metrics
    assert [h.code for h in r.hints] == [hint]
    assert r.passed is False


def test_hints_are_ordered_and_not_repeated():
    with translation.override("en"):
        hints = hints_for(["BACKGROUND_NOT_PLAIN", "HEAD_TILTED", "NO_FACE", "TOO_DARK"])
    assert [h.code for h in hints] == ["FACE_THE_CAMERA", "MORE_LIGHT", "PLAIN_BACKGROUND"]
    assert hints[1].message == "More light"


def test_quick_check_of_an_upload_applies_the_resolution():
    r = photo_quick_check(jpeg=image_sanitize(data=pi.to_jpeg(pi.tiny())).jpeg, frame=False)
    assert r.reason_codes == ["LOW_RESOLUTION"] and [h.code for h in r.hints] == ["HIGHER_RESOLUTION"]


def test_scenario_double_gives_a_passing_face_to_the_synthetic_portrait(settings):
    settings.FACE_ENGINE = "biometrics.face.ScenarioFaceEngine"
    settings.FACE_ENGINE_SCENARIO = "match"
    engine = ScenarioFaceEngine()
    img = Image.open(__import__("io").BytesIO(pi.synthetic_portrait())).convert("RGB")
    boxes, pts = engine.locate_with_landmarks(np.asarray(img))
    assert pts.shape == (68, 2) and np.allclose(pts, scenario_landmarks(boxes[0]))
    r = photo_quick_check(image=img, frame=False, engine=engine)
    assert r.passed is True, r.metrics
    assert r.metrics["roll_deg"] == 0.0 and r.metrics["yaw_ratio"] == 0.0


def test_contact_sheet_of_the_faulty_builds(artifacts):
    """Every faulty build of the landmark rules with the codes and flags it got, saved to
    artifacts/screenshots/photo-check-landmark-samples.png to look at."""
    from PIL import ImageDraw

    samples = [
        ("compliant obama_1", pi.compliant("obama_1.jpg"), []),
        ("sepia", pi.sepia("obama_1.jpg"), ["NOT_COLOUR"]),
        ("greyscale", pi.greyscale("biden_2.jpg"), ["NOT_COLOUR"]),
        ("rotated 12", pi.rotated("obama_1.jpg", 12), ["HEAD_TILTED"]),
        ("eyes shut", pi.eyes_closed("biden_2.jpg"), ["EYES_CLOSED"]),
        ("mouth open", pi.mouth_open("obama_1.jpg", 0.35), ["MOUTH_OPEN"]),
        ("red eyes", pi.red_eyes("obama_3.jpg", 0.1), ["RED_EYE"]),
        ("glasses", pi.with_glasses("obama_2.jpg"), ["POSSIBLE_GLASSES"]),
    ]
    w, h = 240, 330
    sheet = Image.new("RGB", (w * 4, h * 2), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, img, expected) in enumerate(samples):
        r = _run(img)
        got = r.reason_codes + r.flags
        assert got == expected, (label, got, r.metrics)
        x, y = (i % 4) * w, (i // 4) * h
        sheet.paste(img.resize((w, 300)), (x, y))
        draw.text((x + 6, y + 304), f"{label}: {', '.join(got) or 'passes'}", fill=(0, 0, 0))
    sheet.save(artifacts / "photo-check-landmark-samples.png")
