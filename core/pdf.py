"""Printable documents: an HTML template rendered to PDF by WeasyPrint.

The text goes in as logical Unicode; Pango and HarfBuzz shape Arabic (joined letters, the "الله"
ligature) and the Unicode bidi algorithm orders mixed Arabic/English lines, so a document reads in
the right order in both scripts and pdftotext gives the words back in logical order. The fonts are
the pages' own (static/css/document.css names the same families as portal.css), found through
fontconfig. This helper knows no document: a caller gives a template and its context.

WeasyPrint is imported inside the render function: its import takes a noticeable fraction of a
second, and only the requests that print pay for it."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

DOCUMENT_CSS = "css/document.css"


class PdfUnavailable(RuntimeError):
    """WeasyPrint or its system libraries (Pango) are missing."""


def in_both_languages(render) -> tuple[str, str]:
    """(English, Arabic): `render()` called under each language (a date in both calendars, a
    choice's label), for the two columns of a bilingual document."""
    out = []
    for lang in ("en", "ar"):
        with translation.override(lang):
            out.append(str(render()))
    return out[0], out[1]


def document_stylesheet() -> Path:
    found = finders.find(DOCUMENT_CSS)
    if not found:
        raise PdfUnavailable(f"static file {DOCUMENT_CSS} not found")
    return Path(found)


def render_pdf(template_name: str, context: dict | None = None, *, request=None) -> bytes:
    """The template rendered to HTML, then to PDF bytes. The template sets its own `lang`, `dir`
    and <title> (the PDF's title); images and SVG may be inline or data: URIs (no network)."""
    try:
        from weasyprint import CSS, HTML  # noqa: PLC0415 - slow import, paid only when printing
        from weasyprint.urls import URLFetcher  # noqa: PLC0415
    except (ImportError, OSError) as exc:  # OSError: Pango/HarfBuzz libraries missing
        raise PdfUnavailable(f"WeasyPrint cannot be loaded: {exc}") from exc

    # Documents load nothing from the network or the disk: only data: URIs (inline images).
    fetcher = URLFetcher(allowed_protocols={"data"})
    html = render_to_string(template_name, context or {}, request=request)
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher)
    css = CSS(string=document_stylesheet().read_text(encoding="utf-8"), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[css])
