"""Reading printed documents back as a person (and a copy-paste) would: poppler-utils (pdftotext,
pdffonts, pdftoppm, installed by `make setup`) and the PDF's own glyph codes (pypdf).

A missing glyph cannot be seen in pdftotext's output (the ToUnicode map still carries the
character), so `missing_glyphs` reads the content streams: every shown code is mapped through its
font's encoding to a CID (the glyph id, CIDToGIDMap Identity); CID 0 is .notdef, the empty box."""

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

POPPLER = ("pdftotext", "pdffonts", "pdftoppm")
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def require_poppler() -> None:
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"poppler-utils missing ({', '.join(missing)}): run `make setup`, it installs poppler-utils")


def pdftotext(path: Path, *options: str) -> str:
    """The text in reading order, bidi embedding marks removed (poppler wraps RTL runs in them)."""
    out = subprocess.run(["pdftotext", *options, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.translate(BIDI_CONTROLS)


def pdffonts(path: Path) -> list[dict]:
    """One dict per font: name, type, emb (yes/no)."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    fonts = []
    for line in lines:
        cols = line.split()
        # name, type (may be two words), encoding, emb, sub, uni, object, id
        fonts.append({"name": cols[0], "type": " ".join(cols[1:-6]), "emb": cols[-5], "uni": cols[-3]})
    return fonts


def png_page(path: Path, out_png: Path, *, dpi: int = 100) -> Path:
    """Page 1 rendered by pdftoppm to out_png."""
    stem = out_png.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", "-f", "1", "-l", "1", str(path), str(stem)], check=True)
    return stem.with_suffix(".png")


def ink_fraction(png: Path) -> float:
    """Share of pixels that are not (near) white."""
    from PIL import Image

    img = Image.open(png).convert("L")
    hist = img.histogram()
    return sum(hist[:230]) / (img.width * img.height)


def _code_to_cid(font) -> dict[int, int] | None:
    """None for Identity-H (code == CID); else the CMap's cidchar/cidrange entries."""
    enc = font.get("/Encoding")
    if enc is None or (isinstance(enc, str) and enc == "/Identity-H"):
        return None
    data = enc.get_object().get_data().decode("latin-1")
    table: dict[int, int] = {}
    for block in re.findall(r"begincidchar(.*?)endcidchar", data, re.S):
        for code, cid in re.findall(r"<([0-9a-fA-F]+)>\s+(\d+)", block):
            table[int(code, 16)] = int(cid)
    for block in re.findall(r"begincidrange(.*?)endcidrange", data, re.S):
        for lo, hi, cid in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s+(\d+)", block):
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = int(cid) + i
    return table


def missing_glyphs(pdf: bytes) -> int:
    """How many .notdef glyphs (CID 0) the pages draw."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(pdf))
    count = 0
    for page in reader.pages:
        fonts = {name: f.get_object() for name, f in page["/Resources"].get("/Font", {}).items()}
        maps = {name: _code_to_cid(f) for name, f in fonts.items() if f.get("/Subtype") == "/Type0"}
        current = None
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op == b"Tf":
                current = operands[0]
                continue
            if op not in (b"Tj", b"TJ", b"'", b'"') or current not in maps:
                continue
            strings = operands[0] if op == b"TJ" else operands[-1:]
            for s in strings:
                if isinstance(s, (int, float)) or (not hasattr(s, "original_bytes") and not isinstance(s, bytes)):
                    continue
                raw = s.original_bytes if hasattr(s, "original_bytes") else bytes(s)
                table = maps[current]
                for i in range(0, len(raw) - 1, 2):
                    code = raw[i] << 8 | raw[i + 1]
                    cid = code if table is None else table.get(code, 0)
                    count += cid == 0
    return count
