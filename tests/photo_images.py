"""Test images for the photo check, built at test time with Pillow from the shared real photos
(settings.FACES_DIR; never copied into the project): a compliant ID-style photo (the head
cropped from a real photograph and pasted on a plain white canvas) and one variant per
quality rule. Also hostile files (truncated, decompression bomb, non-image) and a synthetic
portrait for flow tests that use the scenario face engine.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

CANVAS = (600, 750)  # width, height: 4:5, above the minimum resolution


def faces_path(name: str) -> Path:
    return Path(settings.FACES_DIR) / name


@functools.cache
def _face_box(name: str) -> tuple[int, int, int, int]:
    """(top, right, bottom, left) of the one face in a shared photo, with the real engine."""
    from biometrics.face import DlibFaceEngine

    rgb = np.asarray(Image.open(faces_path(name)).convert("RGB"))
    boxes = DlibFaceEngine().locate(rgb)
    assert len(boxes) == 1, f"{name}: expected one face, found {len(boxes)}"
    return boxes[0]


@functools.cache
def head_crop(name: str) -> Image.Image:
    """The head of the person in a shared photo (RGBA: an ellipse around the face box, the
    rest transparent): hair above, chin and a little neck below."""
    img = Image.open(faces_path(name)).convert("RGB")
    top, right, bottom, left = _face_box(name)
    fh, fw = bottom - top, right - left
    box = (
        max(0, left - int(0.45 * fw)),
        max(0, top - int(0.75 * fh)),
        min(img.width, right + int(0.45 * fw)),
        min(img.height, bottom + int(0.45 * fh)),
    )
    crop = img.crop(box)
    mask = Image.new("L", crop.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, crop.width - 1, crop.height - 1), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(3))
    out = crop.convert("RGBA")
    out.putalpha(mask)
    return out


def _paste_head(canvas: Image.Image, head: Image.Image, *, height_ratio: float, cx: float, cy: float) -> None:
    h = round(canvas.height * height_ratio)
    w = round(head.width * h / head.height)
    head = head.resize((w, h), Image.LANCZOS)
    x = round(canvas.width * cx - w / 2)
    y = round(canvas.height * cy - h / 2)
    canvas.paste(head, (x, y), head)


def compliant(name: str = "obama_2.jpg", *, size=CANVAS, height_ratio=0.62, cx=0.5, cy=0.47, background=(250, 250, 250)) -> Image.Image:
    canvas = Image.new("RGB", size, background)
    _paste_head(canvas, head_crop(name), height_ratio=height_ratio, cx=cx, cy=cy)
    return canvas


def to_jpeg(img: Image.Image, *, exif=None, quality=92) -> bytes:
    buf = io.BytesIO()
    kw = {"exif": exif} if exif is not None else {}
    img.save(buf, "JPEG", quality=quality, **kw)
    return buf.getvalue()


def to_png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


# --- one variant per rule ------------------------------------------------------------------
def dark(name="obama_2.jpg") -> Image.Image:
    """A face in shadow (backlit) in front of the same light wall."""
    head = head_crop(name)
    shaded = ImageEnhance.Brightness(head.convert("RGB")).enhance(0.35).convert("RGBA")
    shaded.putalpha(head.getchannel("A"))
    canvas = Image.new("RGB", CANVAS, (250, 250, 250))
    _paste_head(canvas, shaded, height_ratio=0.62, cx=0.5, cy=0.47)
    return canvas


def bright(name="obama_2.jpg") -> Image.Image:
    return ImageEnhance.Brightness(compliant(name)).enhance(2.5)


def blurred(name="obama_2.jpg", radius=2.5) -> Image.Image:
    return compliant(name).filter(ImageFilter.GaussianBlur(radius))


def shifted(name="obama_2.jpg") -> Image.Image:
    return compliant(name, height_ratio=0.55, cx=0.38, cy=0.66)


def shrunk(name="obama_2.jpg") -> Image.Image:
    return compliant(name, height_ratio=0.26)


def tiny(name="obama_2.jpg") -> Image.Image:
    return compliant(name).resize((CANVAS[0] * 2 // 5, CANVAS[1] * 2 // 5), Image.LANCZOS)


def busy_background(name="obama_2.jpg") -> Image.Image:
    """The same head on stripes and blotches of colour."""
    rng = random.Random(4)
    canvas = Image.new("RGB", CANVAS, (200, 200, 200))
    d = ImageDraw.Draw(canvas)
    for x in range(0, CANVAS[0], 30):
        d.rectangle((x, 0, x + 14, CANVAS[1]), fill=(rng.randrange(40, 200), rng.randrange(40, 200), rng.randrange(40, 200)))
    _paste_head(canvas, head_crop(name), height_ratio=0.62, cx=0.5, cy=0.47)
    return canvas


def grey_background(name="obama_2.jpg") -> Image.Image:
    """Plain but dark: a mid-grey wall."""
    return compliant(name, background=(95, 95, 95))


def two_faces() -> Image.Image:
    canvas = Image.new("RGB", (900, 750), (250, 250, 250))
    _paste_head(canvas, head_crop("obama_2.jpg"), height_ratio=0.5, cx=0.28, cy=0.47)
    _paste_head(canvas, head_crop("biden_2.jpg"), height_ratio=0.5, cx=0.72, cy=0.47)
    return canvas


def exif_rotated_jpeg(img: Image.Image) -> bytes:
    """As a phone stores a portrait: pixels sideways (landscape) and EXIF Orientation 6
    ("rotate 90 degrees clockwise to display")."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"  # Make, to see metadata is stripped
    return to_jpeg(img.transpose(Image.ROTATE_90), exif=exif.tobytes())


# --- hostile files -------------------------------------------------------------------------
def truncated(data: bytes, keep=0.6) -> bytes:
    return data[: int(len(data) * keep)]


def png_bomb(width=30000, height=30000) -> bytes:
    """A tiny PNG whose header claims width x height pixels (the data would inflate to
    gigabytes): only the header must be read before refusing it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    row = b"\x00" + b"\x00" * width
    comp = zlib.compressobj(9)
    idat = comp.compress(row * 64) + comp.flush()  # only the first rows: the rest never gets read
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def not_an_image() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script>photo.jpg</body></html>\n" * 40


def synthetic_portrait(size=CANVAS) -> bytes:
    """A JPEG that passes every pixel rule when the face box is the centred one the
    ScenarioFaceEngine reports (for fast flow tests: no dlib, no shared photos): white
    background, a sharp textured mid-tone oval in the middle."""
    w, h = size
    canvas = Image.new("RGB", size, (248, 248, 248))
    rng = np.random.default_rng(7)
    tex = (rng.integers(70, 190, size=(h, w, 1)) * np.array([[[1.0, 0.85, 0.7]]])).astype(np.uint8)
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).ellipse((w * 0.22, h * 0.16, w * 0.78, h * 0.86), fill=255)
    canvas.paste(Image.fromarray(tex, "RGB"), (0, 0), mask)
    return to_jpeg(canvas)


# --- the rules read from the landmarks: faulty copies of a compliant build ----------------------
def landmarks_of(img: Image.Image) -> np.ndarray:
    """The 68 landmarks of the one face in a built image (real engine), float (68, 2) of x, y."""
    from biometrics.face import DlibFaceEngine

    boxes, pts = DlibFaceEngine().locate_with_landmarks(np.asarray(img.convert("RGB")))
    assert len(boxes) == 1, f"expected one face, found {len(boxes)}"
    return pts


def greyscale(name="obama_2.jpg") -> Image.Image:
    return compliant(name).convert("L").convert("RGB")


SEPIA = (0.393, 0.769, 0.189, 0, 0.349, 0.686, 0.168, 0, 0.272, 0.534, 0.131, 0)


def sepia(name="obama_2.jpg") -> Image.Image:
    """The classic sepia matrix (every pixel one brown tint of its grey level)."""
    return compliant(name).convert("RGB", SEPIA)


def rotated(name="obama_2.jpg", degrees=15.0) -> Image.Image:
    """The head rotated in the picture plane (roll) by `degrees` counter-clockwise, on the same
    plain wall."""
    head = head_crop(name).rotate(degrees, resample=Image.BICUBIC, expand=True)
    canvas = Image.new("RGB", CANVAS, (250, 250, 250))
    _paste_head(canvas, head, height_ratio=0.62 * head.height / head_crop(name).height, cx=0.5, cy=0.47)
    return canvas


def _eye(pts, i):
    e = pts[i : i + 6]
    return e.mean(0), float(np.hypot(*(e[3] - e[0])))


def eyes_closed(name="obama_2.jpg") -> Image.Image:
    """Each eye painted over with the skin just under it (a soft ellipse), and a dark lash line
    along the lower lid: eyelids shut."""
    img = compliant(name)
    pts = landmarks_of(img)
    for i in (36, 42):
        (cx, cy), w = _eye(pts, i)
        rx, ry = 0.75 * w, 0.45 * w
        box = (round(cx - rx), round(cy - ry), round(cx + rx), round(cy + ry))
        patch = img.crop((box[0], box[1] + round(0.9 * w), box[2], box[3] + round(0.9 * w)))
        mask = Image.new("L", patch.size, 0)
        ImageDraw.Draw(mask).ellipse((0, 0, patch.width - 1, patch.height - 1), fill=255)
        img.paste(patch, box[:2], mask.filter(ImageFilter.GaussianBlur(2)))
        e = pts[i : i + 6]
        lid = [tuple(e[0]), tuple((e[5] + e[4]) / 2 - (0, 0.05 * w)), tuple(e[3])]
        ImageDraw.Draw(img).line(lid, fill=(45, 32, 30), width=max(2, round(w * 0.08)), joint="curve")
    return img


def mouth_open(name="obama_2.jpg", gap=0.35) -> Image.Image:
    """The lower lip and chin moved down by `gap` x the mouth's width, the gap between the lips
    painted as a dark mouth with a band of teeth under the upper lip."""
    img = compliant(name)
    pts = landmarks_of(img)
    mw = float(np.hypot(*(pts[54] - pts[48])))
    d = round(gap * mw)
    y_mid = round(float(pts[[61, 62, 63, 65, 66, 67], 1].mean()))
    x0, x1 = round(pts[48, 0] - 0.6 * mw), round(pts[54, 0] + 0.6 * mw)
    y1 = round(pts[8, 1] + 0.4 * mw)
    lower = img.crop((x0, y_mid, x1, y1))
    mask = Image.new("L", lower.size, 0)
    ImageDraw.Draw(mask).ellipse((0, -lower.height, lower.width - 1, lower.height - 1), fill=255)
    img.paste(lower, (x0, y_mid + d), mask.filter(ImageFilter.GaussianBlur(3)))
    draw = ImageDraw.Draw(img)
    ix0, ix1 = float(pts[60, 0]), float(pts[64, 0])
    draw.ellipse((ix0, y_mid - 0.1 * d, ix1, y_mid + 1.1 * d), fill=(52, 22, 24))
    draw.rectangle((ix0 + 0.2 * (ix1 - ix0), y_mid, ix1 - 0.2 * (ix1 - ix0), y_mid + 0.25 * d), fill=(225, 222, 210))
    return img


def red_eyes(name="obama_2.jpg", radius=0.2) -> Image.Image:
    """A flash-lit retina: a red pupil (radius x the eye's width) with a small highlight."""
    img = compliant(name)
    pts = landmarks_of(img)
    draw = ImageDraw.Draw(img)
    for i in (36, 42):
        (cx, cy), w = _eye(pts, i)
        r = radius * w
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(205, 28, 32))
        draw.ellipse((cx - r * 0.2, cy - r * 0.55, cx + r * 0.2, cy - r * 0.15), fill=(250, 235, 235))
    return img


def with_glasses(name="obama_2.jpg", thickness=0.05) -> Image.Image:
    """Dark frames drawn on: a rim round each eye, the bridge over the nose and the temples."""
    img = compliant(name)
    pts = landmarks_of(img)
    draw = ImageDraw.Draw(img)
    (lcx, lcy), lw = _eye(pts, 36)
    (rcx, rcy), rw = _eye(pts, 42)
    iod = float(np.hypot(rcx - lcx, rcy - lcy))
    t = max(2, round(thickness * iod))
    colour = (24, 24, 26)
    for cx, cy, w in ((lcx, lcy, lw), (rcx, rcy, rw)):
        draw.rounded_rectangle((cx - 0.85 * w, cy - 0.55 * w, cx + 0.85 * w, cy + 0.6 * w), radius=0.3 * w, outline=colour, width=t)
    by = (lcy + rcy) / 2 - 0.3 * lw
    draw.line((lcx + 0.85 * lw, by, rcx - 0.85 * rw, by), fill=colour, width=t)
    draw.line((lcx - 0.85 * lw, lcy - 0.3 * lw, pts[0, 0], pts[0, 1] - 0.1 * lw), fill=colour, width=t)
    draw.line((rcx + 0.85 * rw, rcy - 0.3 * rw, pts[16, 0], pts[16, 1] - 0.1 * rw), fill=colour, width=t)
    return img


@functools.cache
def png_flat(width=6300, height=6300, colour=(128, 128, 128)) -> bytes:
    """A complete, valid RGB PNG of one colour: tiny on disk (6300x6300 is about 170 KB) but
    width x height x 3 bytes once decoded (119 MB): the worst case for decoding memory."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    row = b"\x00" + bytes(colour) * width
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
