"""The photo check: quality rules and the face match against the photo on file.

    result = photo_check_run(jpeg=sanitized.jpeg, on_file_encoding=person_on_file_encoding(person=p))

`jpeg` must come from upload.image_sanitize (this module may import face_recognition,
which makes Pillow accept truncated files: never validate uploads here).

Reason.message is translated in the language active when the check ran; to render a stored
code in another language call reason_message(code) (a lazy string) under that language.
Every measured value goes to result.metrics (for audit and the officer's screen).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageDraw

from .face import FaceEngine, face_engine

_MESSAGES = {
    "NO_FACE": _("No face was found. Face the camera directly, with your whole face visible and nothing covering it."),
    "MULTIPLE_FACES": _("More than one face is in the photo. Take it again with only you in the frame."),
    "FACE_MISMATCH": _("The face does not match the photo on file. Take a new photo of yourself, facing the camera."),
    "FACE_TOO_SMALL": _("Your face is too small in the photo. Move closer so your head and shoulders fill the frame."),
    "FACE_NOT_CENTRED": _("Your face is not centred. Hold the camera straight in front of you with your face in the middle."),
    "BLURRY": _("The photo is blurry. Hold the camera still, make sure it is focused, and take it again."),
    "TOO_DARK": _("The photo is too dark. Stand facing a window or a light, and avoid shadows on your face."),
    "TOO_BRIGHT": _("The photo is too bright. Move away from direct light or flash so your face is not washed out."),
    "BACKGROUND_NOT_PLAIN": _("The background must be plain and light. Stand in front of a white or light-coloured wall."),
    "LOW_RESOLUTION": _("The photo's resolution is too low. Use your camera's normal setting, not a thumbnail or screenshot."),
    "NOT_COLOUR": _("The photo must be in colour. Turn off black-and-white or sepia filters and take it again."),
    "HEAD_TILTED": _("Your head is tilted or turned. Look straight at the camera with your head upright."),
    "EYES_CLOSED": _("Your eyes look closed. Keep both eyes open and look at the camera."),
    "MOUTH_OPEN": _("Your mouth is open. Keep a neutral expression with your mouth closed."),
    "RED_EYE": _("Your eyes look red from the flash. Turn off the flash and use even daylight."),
}

# Live guidance: the one short thing to fix for each reason, most important first.
_HINTS = {
    "NO_FACE": ("FACE_THE_CAMERA", _("Face the camera, your whole face inside the frame")),
    "MULTIPLE_FACES": ("ONLY_YOU", _("Only you in the frame")),
    "FACE_TOO_SMALL": ("MOVE_CLOSER", _("Move closer")),
    "FACE_NOT_CENTRED": ("CENTRE_FACE", _("Put your face in the middle of the frame")),
    "HEAD_TILTED": ("FACE_THE_CAMERA", _("Face the camera, head upright")),
    "TOO_DARK": ("MORE_LIGHT", _("More light")),
    "TOO_BRIGHT": ("LESS_LIGHT", _("Less light: move away from the bright light")),
    "BACKGROUND_NOT_PLAIN": ("PLAIN_BACKGROUND", _("Plain background behind you")),
    "BLURRY": ("HOLD_STILL", _("Hold still")),
    "EYES_CLOSED": ("OPEN_EYES", _("Open your eyes")),
    "MOUTH_OPEN": ("CLOSE_MOUTH", _("Close your mouth, neutral expression")),
    "RED_EYE": ("NO_FLASH", _("Turn off the flash")),
    "NOT_COLOUR": ("COLOUR", _("Turn off black-and-white filters")),
    "LOW_RESOLUTION": ("HIGHER_RESOLUTION", _("Use a higher resolution")),
}
HINT_ORDER = (
    "NO_FACE",
    "MULTIPLE_FACES",
    "FACE_TOO_SMALL",
    "FACE_NOT_CENTRED",
    "HEAD_TILTED",
    "TOO_DARK",
    "TOO_BRIGHT",
    "BLURRY",
    "BACKGROUND_NOT_PLAIN",
    "EYES_CLOSED",
    "MOUTH_OPEN",
    "RED_EYE",
    "NOT_COLOUR",
    "LOW_RESOLUTION",
)

# Flags: an officer looks, the photo is not refused (the caller decides whom they concern).
FLAG_MESSAGES = {"POSSIBLE_GLASSES": _("Possible glasses (not certain): an officer checks the photo.")}


def reason_message(code: str):
    """The user-facing message for a reason code, as a lazy string (renders in the active language)."""
    return _MESSAGES.get(code, _("The photo does not meet the requirements. Take it again."))


@dataclass
class Reason:
    code: str
    message: str  # translated in the language active when the check ran

    @classmethod
    def of(cls, code: str) -> Reason:
        return cls(code=code, message=str(reason_message(code)))


@dataclass
class Hint:
    code: str
    message: str

    @classmethod
    def of(cls, reason_code: str) -> Hint:
        code, message = _HINTS.get(reason_code, ("RETAKE", _("Take the photo again")))
        return cls(code=code, message=str(message))


def hints_for(codes: list[str]) -> list[Hint]:
    """One hint per thing to fix, most important first, without repeats."""
    hints, seen = [], set()
    for code in sorted(codes, key=lambda c: HINT_ORDER.index(c) if c in HINT_ORDER else len(HINT_ORDER)):
        h = Hint.of(code)
        if h.code not in seen:
            seen.add(h.code)
            hints.append(h)
    return hints


@dataclass
class FaceMatch:
    decision: str  # "MATCH" | "REVIEW" | "NO_MATCH"
    distance: float
    match_tolerance: float
    reject_tolerance: float
    model: str


@dataclass
class PhotoCheckResult:
    passed: bool
    reasons: list[Reason]
    face_match: FaceMatch | None
    metrics: dict = field(default_factory=dict)
    encoding: bytes | None = None  # the new face's encoding, serialised (NOT encrypted)
    duration_ms: int = 0
    flags: list[str] = field(default_factory=list)  # e.g. POSSIBLE_GLASSES: for an officer, never a reason

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]


@dataclass
class QuickCheckResult:
    """The quick check (live guidance, and an upload before its request exists): detection and
    the quality rules, no encoding and no face match; nothing is stored."""

    passed: bool
    reasons: list[Reason]
    hints: list[Hint]
    flags: list[str]
    metrics: dict
    duration_ms: int

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]


# --- encodings -----------------------------------------------------------------------
ENCODING_SIZE = 128


def encoding_serialize(arr) -> bytes:
    a = np.asarray(arr, dtype="<f8").reshape(-1)
    if a.shape != (ENCODING_SIZE,):
        raise ValueError(f"a face encoding has {ENCODING_SIZE} values, not {a.shape[0]}")
    return a.tobytes()


def encoding_deserialize(b: bytes) -> np.ndarray:
    b = bytes(b)
    if len(b) != ENCODING_SIZE * 8:
        raise ValueError(f"a serialised face encoding is {ENCODING_SIZE * 8} bytes, not {len(b)}")
    return np.frombuffer(b, dtype="<f8").astype(np.float64)


# --- measurements ----------------------------------------------------------------------
def _laplacian_var(gray: np.ndarray) -> float:
    g = gray.astype(np.float32)
    lap = -4 * g[1:-1, 1:-1] + g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]
    return float(lap.var()) if lap.size else 0.0


def sharpness(luma: np.ndarray, box) -> float:
    """Variance of the Laplacian on the face box, made independent of the photo's size and
    exposure: the crop is brought down to at most SHARPNESS_HEIGHT px high (never enlarged,
    which would blur it) and its contrast normalised to a standard deviation of 50, so a dark
    photo is not also called blurry."""
    top, right, bottom, left = box
    crop = luma[top:bottom, left:right]
    if crop.size == 0:
        return 0.0
    if crop.shape[0] > SHARPNESS_HEIGHT:
        img = Image.fromarray(np.ascontiguousarray(crop))
        w = max(1, round(img.width * SHARPNESS_HEIGHT / img.height))
        crop = np.asarray(img.resize((w, SHARPNESS_HEIGHT), Image.BILINEAR))
    crop = crop.astype(np.float32)
    std = float(crop.std())
    if std < 1.0:
        return 0.0
    return _laplacian_var((crop - crop.mean()) * (50.0 / std))


SHARPNESS_HEIGHT = 256


def background_stats(luma: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of the luma of the top strip and the upper two thirds of
    the side strips (the shoulders fill the bottom), each strip 8% of the side."""
    h, w = luma.shape
    sy, sx = max(1, round(h * 0.08)), max(1, round(w * 0.08))
    lower = round(h * 2 / 3)
    strips = np.concatenate([luma[:sy, :].ravel(), luma[sy:lower, :sx].ravel(), luma[sy:lower, w - sx :].ravel()]).astype(np.float32)
    return float(strips.mean()), float(strips.std())


def measure(luma: np.ndarray, boxes: list) -> dict:
    """Every figure the rules use, from the luma (ITU-R 601, uint8) and the face boxes."""
    h, w = luma.shape
    bg_mean, bg_std = background_stats(luma)
    m = {
        "width": w,
        "height": h,
        "faces": len(boxes),
        "boxes": [list(map(int, b)) for b in boxes],
        "background_luma": round(bg_mean, 1),
        "background_std": round(bg_std, 1),
    }
    if len(boxes) == 1:
        top, right, bottom, left = boxes[0]
        cx, cy = (left + right) / 2, (top + bottom) / 2
        m["face_ratio"] = round((bottom - top) / h, 3)
        m["centre_offset_x"] = round(abs(cx - w / 2) / w, 3)
        m["centre_offset_y"] = round(abs(cy - h * 0.45) / h, 3)  # a head sits a little above the middle
        m["face_cut_by_frame"] = bool(top <= 0 or left <= 0 or bottom >= h or right >= w)
        face = luma[top:bottom, left:right]
        m["face_luma"] = round(float(face.mean(dtype=np.float64)), 1) if face.size else 0.0
        m["sharpness"] = round(sharpness(luma, boxes[0]), 1)
    return m


# --- the rules read from the 68 landmarks (iBUG 300-W order: jaw 0-16, brows 17-26, nose
# 27-35, eyes 36-41 and 42-47 (image left, image right), outer lips 48-59, inner lips 60-67) --
def _dist(a, b) -> float:
    return float(np.hypot(*(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def eye_aspect_ratio(eye: np.ndarray) -> float:
    """(|p2-p6| + |p3-p5|) / (2 |p1-p4|) for the six points of one eye (Soukupova and Cech):
    about 0.25-0.35 open, under about 0.15 closed."""
    width = _dist(eye[0], eye[3])
    return (_dist(eye[1], eye[5]) + _dist(eye[2], eye[4])) / (2 * width) if width else 0.0


def _polygon_mask(shape: tuple[int, int], pts: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """A boolean mask of the polygon over its bounding box, and the box's (top, left)."""
    h, w = shape
    x0, y0 = max(0, int(np.floor(pts[:, 0].min()))), max(0, int(np.floor(pts[:, 1].min())))
    x1, y1 = min(w, int(np.ceil(pts[:, 0].max())) + 1), min(h, int(np.ceil(pts[:, 1].max())) + 1)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((0, 0), dtype=bool), (y0, x0)
    mask = Image.new("1", (x1 - x0, y1 - y0), 0)
    ImageDraw.Draw(mask).polygon([(float(x - x0), float(y - y0)) for x, y in pts], fill=1)
    return np.asarray(mask, dtype=bool), (y0, x0)


def red_eye_fraction(rgb: np.ndarray, eye: np.ndarray) -> float:
    """Share of the pixels inside the eye's outline that are strongly red (R over
    PHOTO_RED_EYE_DOMINANCE times both G and B, and R >= 80): a flash-lit retina. Skin, the
    eyelid and a pink eye corner stay well under the dominance."""
    mask, (y0, x0) = _polygon_mask(rgb.shape[:2], eye)
    if not mask.any():
        return 0.0
    px = rgb[y0 : y0 + mask.shape[0], x0 : x0 + mask.shape[1]][mask].astype(np.float32)
    r, g, b = px[:, 0], px[:, 1], px[:, 2]
    k = settings.PHOTO_RED_EYE_DOMINANCE
    red = (r >= 80) & (r > k * g) & (r > k * b)
    return float(red.mean())


def glasses_score(luma: np.ndarray, pts: np.ndarray) -> float:
    """How strongly a dark horizontal bar crosses the nose bridge between the eyes (a frame's
    bridge): in the band from the inner eye corners' line up to 40% of the eye distance above
    it, between the inner corners (their middle 60%), the row means of the luma; the score is
    (median row - darkest row) / median row. Bare skin there is a smooth gradient (score near
    0); a frame's bridge is a dark line. Not certain (thin rimless frames are missed): a flag
    for an officer, never a refusal."""
    iod = _dist(pts[36:42].mean(0), pts[42:48].mean(0))
    xa, xb = pts[39, 0], pts[42, 0]
    xa, xb = xa + 0.2 * (xb - xa), xb - 0.2 * (xb - xa)
    y_eye = (pts[39, 1] + pts[42, 1]) / 2
    ya, yb = y_eye - 0.4 * iod, y_eye + 0.05 * iod
    h, w = luma.shape
    x0, x1 = max(0, int(xa)), min(w, int(np.ceil(xb)))
    y0, y1 = max(0, int(ya)), min(h, int(np.ceil(yb)))
    if x1 - x0 < 2 or y1 - y0 < 4:
        return 0.0
    rows = luma[y0:y1, x0:x1].astype(np.float32).mean(axis=1)
    med = float(np.median(rows))
    return (med - float(rows.min())) / med if med > 0 else 0.0


def colour_spread(rgb: np.ndarray) -> float:
    """Standard deviation of the chromaticity (r = R/(R+G+B), g = G/(R+G+B)) over the pixels
    that are neither near black nor clipped: 0 for a greyscale photo, and for a sepia (or any
    one-tint) photo too, since a tint multiplies every pixel by the same colour; a colour
    photo has skin, lips, eyes, hair, clothes and background in different hues."""
    px = rgb.reshape(-1, 3).astype(np.float32)
    total = px.sum(axis=1)
    keep = (total > 60) & (px.max(axis=1) < 250)
    if keep.sum() < 50:
        return 0.0
    px, total = px[keep], total[keep]
    r, g = px[:, 0] / total, px[:, 1] / total
    return float(np.sqrt(r.var() + g.var()))


def landmark_measures(rgb: np.ndarray, luma: np.ndarray, box, pts: np.ndarray) -> dict:
    """The figures of the rules read from the landmarks: head roll and yaw, eyes open, mouth
    closed, red eye, possible glasses, and the colour of the face and of the frame."""
    left_eye, right_eye = pts[36:42], pts[42:48]
    lc, rc = left_eye.mean(0), right_eye.mean(0)
    iod = _dist(lc, rc) or 1.0
    u = (rc - lc) / iod  # along the eye line
    mid = (lc + rc) / 2
    roll = float(np.degrees(np.arctan2(rc[1] - lc[1], rc[0] - lc[0])))
    yaw = float(np.dot(pts[30] - mid, u) / iod)  # the nose tip off the eyes' middle, along the eye line
    gap = float(np.mean([_dist(pts[61], pts[67]), _dist(pts[62], pts[66]), _dist(pts[63], pts[65])])) / iod
    top, right, bottom, left = box
    step = max(1, round(max(rgb.shape[:2]) / 320))  # the face's colour needs no more than ~320 px
    frame_step = max(1, round(max(rgb.shape[:2]) / 128))  # the frame's, ~128 px (a 480 px frame: 2 ms, not 9)
    return {
        "iod_px": round(iod, 1),
        "roll_deg": round(roll, 1),
        "yaw_ratio": round(yaw, 3),
        "eye_ratio_left": round(eye_aspect_ratio(left_eye), 3),
        "eye_ratio_right": round(eye_aspect_ratio(right_eye), 3),
        "mouth_gap": round(gap, 3),
        "red_eye": round(max(red_eye_fraction(rgb, left_eye), red_eye_fraction(rgb, right_eye)), 3),
        "glasses_score": round(glasses_score(luma, pts), 3),
        "colour_face": round(colour_spread(rgb[top:bottom:step, left:right:step]), 4),
        "colour_frame": round(colour_spread(rgb[::frame_step, ::frame_step]), 4),
    }


def landmark_reasons(m: dict, *, pose: bool = True) -> list[str]:
    """The codes of the landmark rules (the metrics are there only with exactly one face);
    pose=False: only the colour (the face is too small for the landmarks to be trusted)."""
    s = settings
    codes = []
    if "colour_face" in m and m["colour_face"] < s.PHOTO_MIN_COLOUR_SPREAD and m["colour_frame"] < s.PHOTO_MIN_COLOUR_SPREAD:
        codes.append("NOT_COLOUR")
    if "roll_deg" not in m or not pose:
        return codes
    if abs(m["roll_deg"]) > s.PHOTO_MAX_ROLL_DEGREES or abs(m["yaw_ratio"]) > s.PHOTO_MAX_YAW_RATIO:
        codes.append("HEAD_TILTED")
    if (m["eye_ratio_left"] + m["eye_ratio_right"]) / 2 < s.PHOTO_MIN_EYE_RATIO:
        codes.append("EYES_CLOSED")
    if m["mouth_gap"] > s.PHOTO_MAX_MOUTH_GAP:
        codes.append("MOUTH_OPEN")
    if m["red_eye"] > s.PHOTO_MAX_RED_EYE:
        codes.append("RED_EYE")
    return codes


def possible_glasses(m: dict) -> bool:
    return m.get("glasses_score", 0.0) > settings.PHOTO_GLASSES_SCORE


def quality_reasons(m: dict, *, resolution: bool = True) -> list[str]:
    """The codes of every quality rule the metrics break. resolution=False leaves out
    LOW_RESOLUTION (a live frame is small on purpose)."""
    s = settings
    codes = []
    if m["faces"] == 0:
        codes.append("NO_FACE")
    elif m["faces"] > 1:
        codes.append("MULTIPLE_FACES")
    else:
        if m["face_ratio"] < s.PHOTO_MIN_FACE_RATIO:
            codes.append("FACE_TOO_SMALL")
        if m["face_cut_by_frame"] or max(m["centre_offset_x"], m["centre_offset_y"]) > s.PHOTO_MAX_CENTRE_OFFSET:
            codes.append("FACE_NOT_CENTRED")
        if m["sharpness"] < s.PHOTO_MIN_SHARPNESS:
            codes.append("BLURRY")
        if m["face_luma"] < s.PHOTO_MIN_FACE_LUMA:
            codes.append("TOO_DARK")
        elif m["face_luma"] > s.PHOTO_MAX_FACE_LUMA:
            codes.append("TOO_BRIGHT")
        # The landmarks of a face too small in the frame are not reliable (a mouth reads as
        # open): move closer first. The colour does not depend on them.
        codes += landmark_reasons(m, pose="FACE_TOO_SMALL" not in codes)
    if m["background_std"] > s.PHOTO_BACKGROUND_MAX_STD or m["background_luma"] < s.PHOTO_BACKGROUND_MIN_LUMA:
        codes.append("BACKGROUND_NOT_PLAIN")
    if resolution and (m["width"] < s.PHOTO_MIN_WIDTH or m["height"] < s.PHOTO_MIN_HEIGHT):
        codes.append("LOW_RESOLUTION")
    return codes


def face_decision(distance: float) -> str:
    if distance <= settings.FACE_MATCH_TOLERANCE:
        return "MATCH"
    if distance > settings.FACE_REJECT_TOLERANCE:
        return "NO_MATCH"
    return "REVIEW"


def decode_jpeg(jpeg: bytes) -> np.ndarray:
    return decode_jpeg_with_luma(jpeg)[0]


def decode_jpeg_with_luma(jpeg: bytes) -> tuple[np.ndarray, np.ndarray]:
    """RGB pixels and their luma (Pillow's "L": 0.299 R + 0.587 G + 0.114 B), both uint8."""
    with Image.open(io.BytesIO(jpeg), formats=["JPEG"]) as img:
        img = img.convert("RGB")
        return np.asarray(img), np.asarray(img.convert("L"))


def photo_check_run(*, jpeg: bytes, on_file_encoding: bytes | None, engine: FaceEngine | None = None) -> PhotoCheckResult:
    """Run every quality rule and, with exactly one face, the face match.

    "No face" is an outcome (reason NO_FACE), never an exception. face.FaceEngineError /
    FaceEngineTimeout (transient engine failures) propagate so the task can retry.
    passed == no quality reason and the decision is not NO_MATCH (REVIEW passes: an officer
    confirms). Without a photo on file face_match is None (the caller routes to review).
    """
    started = time.perf_counter()
    engine = engine or face_engine()
    rgb, luma = decode_jpeg_with_luma(jpeg)
    boxes, metrics, flags = _analyse(engine, rgb, luma)
    codes = quality_reasons(metrics)
    encoding = None
    match = None
    if len(boxes) == 1:
        t0 = time.perf_counter()
        vector = engine.encode(rgb, boxes[0])
        metrics["encode_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        encoding = encoding_serialize(vector)
        if on_file_encoding is not None:
            distance = engine.distance(encoding_deserialize(on_file_encoding), vector)
            match = FaceMatch(
                decision=face_decision(distance),
                distance=round(float(distance), 4),
                match_tolerance=settings.FACE_MATCH_TOLERANCE,
                reject_tolerance=settings.FACE_REJECT_TOLERANCE,
                model=engine.model,
            )
            metrics["face_distance"] = match.distance
            if match.decision == "NO_MATCH":
                codes.append("FACE_MISMATCH")
    metrics["model"] = engine.model
    reasons = [Reason.of(c) for c in codes]
    return PhotoCheckResult(
        passed=not reasons,
        reasons=reasons,
        face_match=match,
        metrics=metrics,
        encoding=encoding,
        duration_ms=round((time.perf_counter() - started) * 1000),
        flags=flags,
    )


def _analyse(engine: FaceEngine, rgb: np.ndarray, luma: np.ndarray, *, retry: bool = True) -> tuple[list, dict, list[str]]:
    """Detection with the landmarks, and every measured figure; the flags for an officer."""
    t0 = time.perf_counter()
    boxes, points = engine.locate_with_landmarks(rgb, retry=retry)
    metrics = measure(luma, boxes)
    metrics["detect_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    flags = []
    if len(boxes) == 1 and points is not None:
        metrics.update(landmark_measures(rgb, luma, boxes[0], points))
        if possible_glasses(metrics):
            flags.append("POSSIBLE_GLASSES")
    return boxes, metrics, flags


def _scaled_for_quick_check(img: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """A live frame's pixels and luma, scaled down to PHOTO_QUICK_CHECK_MAX_SIDE first."""
    img = img.convert("RGB")
    side = settings.PHOTO_QUICK_CHECK_MAX_SIDE
    if max(img.size) > side:
        scale = side / max(img.size)
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.BILINEAR)
    return np.asarray(img), np.asarray(img.convert("L"))


def photo_quick_check(
    *, frame: bool, jpeg: bytes | None = None, image: Image.Image | None = None, engine: FaceEngine | None = None
) -> QuickCheckResult:
    """Detection, the landmarks and every quality rule, without the encoding or the face match.

    frame=True: a live camera frame (`image`, from upload.image_decode), scaled down to
    PHOTO_QUICK_CHECK_MAX_SIDE; LOW_RESOLUTION is not applied (the photo itself is taken at the
    camera's full size). frame=False: an uploaded photo as the worker will check it (`jpeg`
    from upload.image_sanitize, its full size; detection runs on the FACE_DETECT_MAX_SIDE copy
    as always). Nothing is stored.
    """
    started = time.perf_counter()
    engine = engine or face_engine()
    if image is not None:
        rgb, luma = _scaled_for_quick_check(image) if frame else (np.asarray(image.convert("RGB")), np.asarray(image.convert("L")))
    else:
        rgb, luma = decode_jpeg_with_luma(jpeg)
        if frame:
            rgb, luma = _scaled_for_quick_check(Image.fromarray(rgb))
    # A live frame gets one detection pass: a face too small for it means "move closer".
    _, metrics, flags = _analyse(engine, rgb, luma, retry=not frame)
    codes = quality_reasons(metrics, resolution=not frame)
    return QuickCheckResult(
        passed=not codes,
        reasons=[Reason.of(c) for c in codes],
        hints=hints_for(codes),
        flags=flags,
        metrics=metrics,
        duration_ms=round((time.perf_counter() - started) * 1000),
    )
