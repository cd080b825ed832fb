"""Issue 11 item 6: every page and API answer carries a strict Content-Security-Policy (no
inline script), a Permissions-Policy (the camera only on the ID photo page), and
`Cache-Control: no-store` when someone is signed in and on the whole API. No template keeps
an inline script or an on*= handler."""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent.parent
PHOTO_PAGE = "/civil-affairs/id-renewal/"


def _plain_routes(patterns=None, prefix=""):
    """Every URL without a parameter, from the URLconf itself (so a new page is covered)."""
    out = []
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(p.pattern)
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        if isinstance(p, URLResolver):
            out += _plain_routes(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern):
            out.append("/" + prefix + route)
    return sorted(set(out))


def _script_src(csp: str) -> str:
    for part in csp.split(";"):
        bits = part.strip().split()
        if bits and bits[0] == "script-src":
            return " ".join(bits[1:])
    return ""


def _assert_strict_csp(resp, url):
    csp = resp.get("Content-Security-Policy", "")
    assert csp, f"{url}: no Content-Security-Policy"
    script = _script_src(csp) or next((p.strip() for p in csp.split(";") if p.strip().startswith("default-src")), "")
    assert "'self'" in script, (url, csp)
    assert "unsafe-inline" not in script and "unsafe-eval" not in script, (url, csp)
    assert "frame-ancestors 'none'" in csp, (url, csp)


def test_the_url_walk_finds_the_pages():
    routes = _plain_routes()
    assert PHOTO_PAGE in routes and "/api/v1/me/" in routes and "/" in routes


@pytest.mark.django_db
def test_every_page_and_api_answer_signed_in_has_the_headers(person, web_client_for, api_client_for):
    web = web_client_for(person)
    api = api_client_for(person)
    seen = 0
    for url in _plain_routes():
        if url.startswith(("/api/v1/docs", "/api/v1/schema", "/health/", "/static/")) or "logout" in url:
            continue
        client = api if url.startswith("/api/") else web
        resp = client.get(url)
        seen += 1
        _assert_strict_csp(resp, url)
        policy = resp.get("Permissions-Policy", "")
        want = "camera=(self)" if url == PHOTO_PAGE else "camera=()"
        assert want in policy, (url, policy)
        assert "no-store" in resp.get("Cache-Control", ""), (url, resp.status_code, resp.get("Cache-Control"))
    assert seen > 20


@pytest.mark.django_db
def test_api_answers_are_no_store_even_signed_out(client):
    for url in ("/api/v1/me/", "/api/v1/no-such-thing/", "/api/v1/schema/"):
        resp = client.get(url)
        assert "no-store" in resp.get("Cache-Control", ""), url
        _assert_strict_csp(resp, url)


@pytest.mark.django_db
def test_signed_out_pages_have_csp_and_no_camera(client):
    resp = client.get("/")
    _assert_strict_csp(resp, "/")
    assert "camera=()" in resp["Permissions-Policy"]


def test_no_template_has_an_inline_script_or_handler():
    offenders = []
    for path in ROOT.glob("*/templates/**/*.html"):
        if ".venv" in path.parts or "node_modules" in path.parts or "examples" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b([^>]*)>", text):
            attrs = m.group(1)
            if "src=" not in attrs and "application/json" not in attrs and "application/ld+json" not in attrs:
                offenders.append(f"{path.relative_to(ROOT)}: inline <script>")
        if re.search(r"<[a-z][^>]*\son[a-z]+\s*=", text):
            offenders.append(f"{path.relative_to(ROOT)}: on*= handler")
    for path in (ROOT / "templates").glob("**/*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script\b(?![^>]*src=)(?![^>]*application/json)[^>]*>", text):
            offenders.append(f"{path.relative_to(ROOT)}: inline <script>")
    assert offenders == []
