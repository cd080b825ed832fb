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
from PIL import Image

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
}


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


def quality_reasons(m: dict) -> list[str]:
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
    if m["background_std"] > s.PHOTO_BACKGROUND_MAX_STD or m["background_luma"] < s.PHOTO_BACKGROUND_MIN_LUMA:
        codes.append("BACKGROUND_NOT_PLAIN")
    if m["width"] < s.PHOTO_MIN_WIDTH or m["height"] < s.PHOTO_MIN_HEIGHT:
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
    t0 = time.perf_counter()
    boxes = engine.locate(rgb)
    detect_ms = (time.perf_counter() - t0) * 1000
    metrics = measure(luma, boxes)
    metrics["detect_ms"] = round(detect_ms, 1)
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
    )
