"""Every figure the quality rules read: decoding the sanitised JPEG to RGB and luma, the
sharpness, light and background of the face box, and the figures read from the 68 landmarks
(head pose, eyes, mouth, red eye, possible glasses, colour). Pure functions of the pixels;
the thresholds they are compared with are in rules.py.
"""

from __future__ import annotations

import io

import numpy as np
from django.conf import settings
from PIL import Image, ImageDraw


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


def image_pixels(img: Image.Image) -> np.ndarray:
    """np.asarray(img) in one pass: Pillow's __array_interface__ goes through tobytes(), which
    packs the pixels 64 KB at a time and joins the pieces (5 ms for a 1434x2333 RGB photo, 1 ms
    this way). Same array, read-only as np.asarray's."""
    bands = len(img.getbands())
    if img.mode not in ("RGB", "L") or not img.width or not img.height:
        return np.asarray(img)
    try:  # Pillow's raw encoder (private API; Pillow is pinned in uv.lock): any change falls back
        encoder = Image._getencoder(img.mode, "raw", img.mode)
        try:
            encoder.setimage(img.im, (0, 0, *img.size))
            _, status, data = encoder.encode(img.width * img.height * bands + 1)
        finally:
            encoder.cleanup()
    except Exception:  # noqa: BLE001  # pragma: no cover - only a Pillow upgrade gets here
        return np.asarray(img)
    if status != 1:  # pragma: no cover - one call packs the whole image
        return np.asarray(img)
    return np.frombuffer(data, dtype=np.uint8).reshape((img.height, img.width, bands)[: 2 if bands == 1 else 3])


def decode_jpeg(jpeg: bytes) -> np.ndarray:
    return decode_jpeg_with_luma(jpeg)[0]


def decode_jpeg_with_luma(jpeg: bytes) -> tuple[np.ndarray, np.ndarray]:
    """RGB pixels and their luma (Pillow's "L": 0.299 R + 0.587 G + 0.114 B), both uint8, at
    the photo's full size (the landmarks, the measures and the encoding read the face there)."""
    with Image.open(io.BytesIO(jpeg), formats=["JPEG"]) as img:
        img.load()
        rgb = img if img.mode == "RGB" else img.convert("RGB")  # no copy of an RGB photo
        return image_pixels(rgb), image_pixels(rgb.convert("L"))
