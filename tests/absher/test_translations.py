"""Every msgid has an Arabic translation: the catalogues are re-extracted from the sources in
a scratch copy of the project, so a string added without a translation fails here."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ["registry", "biometrics", "portal", "nafath", "civil_affairs", "passports", "fines", "visas", "payments", "notifications"]
SKIP = {".venv", ".git", "artifacts", "var", "staticfiles", ".pytest_cache", ".hypothesis", "node_modules"}


def _untranslated(po_path: Path) -> list[str]:
    missing = []
    for e in polib.pofile(str(po_path)):
        if e.obsolete:
            continue
        if "fuzzy" in e.flags:
            missing.append(f"(fuzzy) {e.msgid}")
        elif e.msgid_plural:
            if not all(e.msgstr_plural.get(i) for i in range(6)):
                missing.append(e.msgid)
        elif not e.msgstr:
            missing.append(e.msgid)
    return missing


def test_every_msgid_has_an_arabic_translation(tmp_path):
    work = tmp_path / "project"
    shutil.copytree(ROOT, work, ignore=lambda d, names: [n for n in names if n in SKIP or n.endswith(".mo")])

    def run(args, cwd):
        return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300)

    manage = str(work / "manage.py")
    for app in APPS:
        out = run([manage, "makemessages", "-l", "ar", "--no-obsolete", "-v", "0"], work / app)
        assert out.returncode == 0, out.stderr
    ignores = [f"--ignore={a}" for a in APPS] + ["--ignore=tests", "--ignore=scripts"]
    out = run([manage, "makemessages", "-l", "ar", "--no-obsolete", "-v", "0", *ignores], work)
    assert out.returncode == 0, out.stderr
    report = {}
    catalogues = [work / "locale" / "ar" / "LC_MESSAGES" / "django.po"] + [
        work / a / "locale" / "ar" / "LC_MESSAGES" / "django.po" for a in APPS
    ]
    for po in catalogues:
        if po.exists():
            missing = _untranslated(po)
            if missing:
                report[str(po.relative_to(work))] = missing
    assert report == {}, "untranslated msgids (run `make messages` and translate them):\n" + "\n".join(
        f"{k}: {v}" for k, v in report.items()
    )


def test_arabic_is_the_default_and_pages_are_rtl(client, db):
    resp = client.get("/login/")
    html = resp.content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_english_toggle_sticks(client, db):
    resp = client.post("/lang/", {"language": "en", "next": "/login/"})
    assert resp.status_code == 302 and resp["Location"] == "/login/"
    assert resp.cookies["absher_lang"].value == "en"
    html = client.get("/login/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    # and back
    client.post("/lang/", {"language": "ar", "next": "/login/"})
    assert '<html lang="ar" dir="rtl">' in client.get("/login/").content.decode()


def test_language_toggle_refuses_offsite_redirect(client, db):
    resp = client.post("/lang/", {"language": "en", "next": "https://evil.example/"})
    assert resp["Location"] == "/"
