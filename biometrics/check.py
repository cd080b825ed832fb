"""The photo check: quality rules and the face match against the photo on file.

    result = photo_check_run(jpeg=sanitized.jpeg, on_file_encoding=person_on_file_encoding(person=p))

`jpeg` must come from upload.image_sanitize (this module may import face_recognition,
which makes Pillow accept truncated files: never validate uploads here).

Reason.message is translated in the language active when the check ran; to render a stored
code in another language call reason_message(code) (a lazy string) under that language.
Every measured value goes to result.metrics (for audit and the officer's screen).

The parts: messages.py (reason messages and hints), encoding.py (an encoding's stored form),
measures.py (the figures read from the pixels and landmarks), rules.py (the thresholds). Every
public name of those stays importable from here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from PIL import Image

from .encoding import ENCODING_SIZE, encoding_deserialize, encoding_serialize
from .face import FaceEngine, face_engine
from .measures import (
    SHARPNESS_HEIGHT,
    background_stats,
    colour_spread,
    decode_jpeg,
    decode_jpeg_with_luma,
    eye_aspect_ratio,
    glasses_score,
    landmark_measures,
    measure,
    red_eye_fraction,
    sharpness,
)
from .messages import FLAG_MESSAGES, HINT_ORDER, Hint, Reason, hints_for, reason_message
from .rules import face_decision, landmark_reasons, possible_glasses, quality_reasons

__all__ = [
    "ENCODING_SIZE",
    "FLAG_MESSAGES",
    "HINT_ORDER",
    "SHARPNESS_HEIGHT",
    "FaceMatch",
    "Hint",
    "PhotoCheckResult",
    "QuickCheckResult",
    "Reason",
    "background_stats",
    "colour_spread",
    "decode_jpeg",
    "decode_jpeg_with_luma",
    "encoding_deserialize",
    "encoding_serialize",
    "eye_aspect_ratio",
    "face_decision",
    "glasses_score",
    "hints_for",
    "landmark_measures",
    "landmark_reasons",
    "measure",
    "photo_check_run",
    "photo_quick_check",
    "possible_glasses",
    "quality_reasons",
    "reason_message",
    "red_eye_fraction",
    "sharpness",
]


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
