"""The face engine behind a small adapter.

    engine = face_engine()                     # the one configured in settings.FACE_ENGINE
    faces = engine.locate(rgb)                 # [(top, right, bottom, left)] in rgb's pixels
    faces, points = engine.locate_with_landmarks(rgb)  # and, with exactly one face, its 68
                                               # landmarks (float array (68, 2), x/y in rgb's pixels)
    enc = engine.encode(rgb, faces[0])         # numpy float64 (128,)

DlibFaceEngine is the real one (face_recognition / dlib): it detects on a copy downscaled to
FACE_DETECT_MAX_SIDE, scales the boxes back up, and encodes once from the located face on
the full image (known_face_locations, num_jitters=1). face_recognition is imported lazily,
once per process, on first use (a worker loads it once; web processes never do unless asked).

ScenarioFaceEngine is the test double for the flow's tests, driven by named scenarios
(settings.FACE_ENGINE_SCENARIO, read at each call so override_settings and a worker's
environment both work): match, review, mismatch, no_face, multiple_faces, timeout.
"""

from __future__ import annotations

import functools
from typing import Protocol

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string
from PIL import Image

from .measures import image_pixels

Box = tuple[int, int, int, int]  # (top, right, bottom, left), face_recognition's order


class FaceEngineError(Exception):
    """The engine could not run (a transient failure: the caller may retry)."""


class FaceEngineTimeout(FaceEngineError, TimeoutError):
    """The engine did not answer in time (transient)."""


class FaceEngine(Protocol):
    model: str

    def locate(self, rgb: np.ndarray) -> list[Box]: ...

    def locate_with_landmarks(self, rgb: np.ndarray, *, retry: bool = True) -> tuple[list[Box], np.ndarray | None]: ...

    def encode(self, rgb: np.ndarray, box: Box) -> np.ndarray: ...

    def distance(self, known: np.ndarray, candidate: np.ndarray) -> float: ...


@functools.cache
def _face_recognition():
    import face_recognition  # noqa: PLC0415  (heavy: dlib models load here, once per process)

    return face_recognition


@functools.cache
def _dlib_version() -> str:
    try:
        import dlib  # noqa: PLC0415

        return dlib.__version__
    except Exception:  # noqa: BLE001  # pragma: no cover - a version string is informational
        return "?"


def downscale_for_detection(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, float, float]:
    """A copy whose longest side is at most max_side, and the factors (x, y) from it back to
    rgb. An integer box reduction first (fast), then a bilinear resize for the remainder."""
    h, w = rgb.shape[:2]
    longest = max(h, w)
    if longest <= max_side:
        return rgb, 1.0, 1.0
    img = Image.fromarray(rgb)
    k = longest // max_side
    if k >= 2:
        img = img.reduce(k)
    if max(img.size) > max_side:
        scale = max(img.size) / max_side
        img = img.resize((max(1, round(img.width / scale)), max(1, round(img.height / scale))), Image.BILINEAR)
    return image_pixels(img), w / img.width, h / img.height


class DlibFaceEngine:
    """face_recognition 1.3 on dlib: HOG detector, 5-point landmarks, ResNet v1 encoder."""

    def __init__(self):
        self.max_side = settings.FACE_DETECT_MAX_SIDE
        self.upsample = settings.FACE_DETECT_UPSAMPLE
        self.retry_upsample = settings.FACE_DETECT_RETRY_UPSAMPLE
        self.model = f"dlib-{_dlib_version()}/hog+resnet_v1/5pt"

    def locate(self, rgb: np.ndarray) -> list[Box]:
        """Faces found on the downscaled copy, in rgb's pixels. The HOG detector runs with
        FACE_DETECT_UPSAMPLE; only when it finds nothing does it look again with
        FACE_DETECT_RETRY_UPSAMPLE (small faces), so a normal selfie pays for one pass."""
        return self._detect(rgb, landmarks=False)[0]

    def locate_with_landmarks(self, rgb: np.ndarray, *, retry: bool = True) -> tuple[list[Box], np.ndarray | None]:
        """locate(), and with exactly one face its 68 landmarks (dlib's shape predictor, iBUG
        300-W order) fitted on the same downscaled copy from the same box (~1-3 ms), scaled
        back to rgb's pixels as a float array (68, 2) of x, y. retry=False: no second,
        upsampled pass when the first finds nothing (a live frame: the person moves closer)."""
        return self._detect(rgb, landmarks=True, retry=retry)

    def _detect(self, rgb: np.ndarray, *, landmarks: bool, retry: bool = True) -> tuple[list[Box], np.ndarray | None]:
        fr = _face_recognition()
        small, fx, fy = downscale_for_detection(rgb, self.max_side)
        found = fr.face_locations(small, number_of_times_to_upsample=self.upsample, model="hog")
        if not found and retry and self.retry_upsample > self.upsample:
            found = fr.face_locations(small, number_of_times_to_upsample=self.retry_upsample, model="hog")
        h, w = rgb.shape[:2]
        boxes = [
            (max(0, round(top * fy)), min(w, round(right * fx)), min(h, round(bottom * fy)), max(0, round(left * fx)))
            for top, right, bottom, left in found
        ]
        points = None
        if landmarks and len(found) == 1:
            shape = fr.api.pose_predictor_68_point(small, fr.api._css_to_rect(found[0]))
            points = np.array([(p.x * fx, p.y * fy) for p in shape.parts()], dtype=np.float64)
        return boxes, points

    def encode(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        fr = _face_recognition()
        encodings = fr.face_encodings(rgb, known_face_locations=[box], num_jitters=1, model="small")
        if not encodings:  # pragma: no cover - dlib always encodes a given box
            raise FaceEngineError("no encoding for the located face")
        return np.asarray(encodings[0], dtype=np.float64)

    def distance(self, known: np.ndarray, candidate: np.ndarray) -> float:
        return float(np.linalg.norm(np.asarray(known, dtype=np.float64) - np.asarray(candidate, dtype=np.float64)))


class ScenarioFaceEngine:
    """Test double: no dlib, answers by scenario. One face is a box centred in the image,
    about half its height; "multiple_faces" gives two side by side. Encodings are chosen so
    the distance to the photo on file is 0.0 (match), midway between the tolerances
    (review) or 0.8 (mismatch)."""

    SCENARIOS = ("match", "review", "mismatch", "no_face", "multiple_faces", "timeout")
    model = "scenario-double"

    @property
    def scenario(self) -> str:
        s = settings.FACE_ENGINE_SCENARIO
        if s not in self.SCENARIOS:
            raise ValueError(f"unknown FACE_ENGINE_SCENARIO {s!r}; one of {self.SCENARIOS}")
        return s

    def locate(self, rgb: np.ndarray) -> list[Box]:
        s = self.scenario
        if s == "timeout":
            raise FaceEngineTimeout("scenario: timeout")
        if s == "no_face":
            return []
        h, w = rgb.shape[:2]
        fh, fw = h // 2, min(w // 2, h // 2)
        top = (h - fh) // 2
        if s == "multiple_faces":
            return [(top, w // 2 - 1, top + fh // 2, max(0, w // 2 - fw // 2)), (top, min(w, w // 2 + fw // 2), top + fh // 2, w // 2 + 1)]
        left = (w - fw) // 2
        return [(top, left + fw, top + fh, left)]

    def locate_with_landmarks(self, rgb: np.ndarray, *, retry: bool = True) -> tuple[list[Box], np.ndarray | None]:
        boxes = self.locate(rgb)
        return boxes, (scenario_landmarks(boxes[0]) if len(boxes) == 1 else None)

    def encode(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        v = np.zeros(128, dtype=np.float64)
        v[0] = 0.1
        return v

    def distance(self, known: np.ndarray, candidate: np.ndarray) -> float:
        s = self.scenario
        if s == "match":
            return 0.0
        if s == "review":
            return round((settings.FACE_MATCH_TOLERANCE + settings.FACE_REJECT_TOLERANCE) / 2, 4)
        return 0.8


# A frontal, level face with open eyes and a closed mouth, as fractions of the face box
# (x from the left, y from the top), in the 68-point order: the scenario double's landmarks.
_TEMPLATE = np.array(
    [(0.02 + 0.96 * i / 16, 0.25 + 0.7 * (1 - ((i - 8) / 8) ** 2) ** 0.5) for i in range(17)]  # jaw 0-16
    + [(0.12 + 0.07 * i, 0.18 - 0.02 * (i % 4 != 0)) for i in range(5)]  # brow 17-21
    + [(0.60 + 0.07 * i, 0.18 - 0.02 * (i % 4 != 0)) for i in range(5)]  # brow 22-26
    + [(0.5, 0.30 + 0.07 * i) for i in range(4)]  # nose bridge 27-30
    + [(0.40 + 0.05 * i, 0.56 + 0.01 * (i in (1, 3)) + 0.02 * (i == 2)) for i in range(5)]  # nose 31-35
    + [(0.17, 0.32), (0.22, 0.295), (0.28, 0.295), (0.33, 0.32), (0.28, 0.345), (0.22, 0.345)]  # eye 36-41
    + [(0.67, 0.32), (0.72, 0.295), (0.78, 0.295), (0.83, 0.32), (0.78, 0.345), (0.72, 0.345)]  # eye 42-47
    + [(0.33, 0.75), (0.39, 0.72), (0.45, 0.71), (0.5, 0.715), (0.55, 0.71), (0.61, 0.72), (0.67, 0.75)]  # upper lip 48-54
    + [(0.61, 0.79), (0.55, 0.81), (0.5, 0.815), (0.45, 0.81), (0.39, 0.79)]  # lower lip 55-59
    + [(0.35, 0.75), (0.45, 0.745), (0.5, 0.745), (0.55, 0.745), (0.65, 0.75), (0.55, 0.755), (0.5, 0.755), (0.45, 0.755)]  # inner 60-67
)


def scenario_landmarks(box: Box) -> np.ndarray:
    """The template above placed in a face box (top, right, bottom, left)."""
    top, right, bottom, left = box
    return np.column_stack([left + _TEMPLATE[:, 0] * (right - left), top + _TEMPLATE[:, 1] * (bottom - top)])


def face_engine() -> FaceEngine:
    """The configured engine; one instance per process and per class path (the dlib models
    are loaded by face_recognition's import, cached in _face_recognition)."""
    return _engine_for(
        settings.FACE_ENGINE, settings.FACE_DETECT_MAX_SIDE, settings.FACE_DETECT_UPSAMPLE, settings.FACE_DETECT_RETRY_UPSAMPLE
    )


@functools.cache
def _engine_for(path: str, max_side: int, upsample: int, retry_upsample: int) -> FaceEngine:
    return import_string(path)()


def face_engine_warm_up() -> str:
    """Load the configured engine (for the dlib engine: import face_recognition and its
    models) and run it once on a blank image, so a worker's first real check is not the slow
    one. Call it from Celery's worker_process_init for the `faces` queue. Returns the model."""
    engine = face_engine()
    if not isinstance(engine, ScenarioFaceEngine):
        engine.locate(np.full((64, 64, 3), 255, dtype=np.uint8))
    return engine.model
