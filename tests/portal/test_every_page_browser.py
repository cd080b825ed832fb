"""Every page a person can reach, on a phone and on a desktop, in Arabic and in English.

One realistic data set (the demo family with every kind of dependent, ID renewals in every step,
iqama renewals, a paid payment with its receipt, fines, notifications, a Nafath device, a visa,
an officer) and one browser. Each page in PAGES is visited:

- at 360 px and 1280 px in both languages: it fails when `document.documentElement.scrollWidth`
  exceeds the viewport (sideways scrolling); the Arabic one at 360 px is saved as a screenshot;
- at 360 px and 1280 px in both languages: axe-core (node_modules/axe-core, pinned in
  package.json) runs the WCAG 2.0/2.1 A and AA rules and any violation fails.

To add a page, add one Page(...) to PAGES. The other tests of this module check what axe does not
see: the focus ring's contrast, the skip link, field errors tied to their fields, the live regions,
a keyboard-only walk, the pages without JavaScript, the checks page's order, the button styles and
that citizens never see internal codes."""

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from tests.officers import officer_login

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE, DESKTOP = 360, 1280
LANGS = ("ar", "en")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
OFFICER_PASSWORD = "officer-walk-pass-123"


# --- the data set ------------------------------------------------------------------------------
def build_world(settings) -> dict:
    """The demo family plus a person in every step of the ID renewal, iqama renewals, a paid
    payment, fines, notifications, a visa and an officer. Returns ids and URLs by name."""
    from django.contrib.auth.models import User

    from civil_affairs import services as ca
    from civil_affairs.models import IdRenewal
    from core import dates
    from fines.services import outstanding_payment_create
    from passports.services import renewal_submit
    from payments.services import payment_fulfil, payment_mark_paid
    from portal.demo import seed
    from registry.models import FamilyMember, HealthInsurance, Person
    from tests.factories import AddressFactory, IdCardFactory, OfficeFactory, PersonFactory, TrafficViolationFactory
    from tests.photo_images import synthetic_portrait
    from visas.services import application_submit

    settings.FACE_ENGINE = "biometrics.face.ScenarioFaceEngine"
    settings.FACE_ENGINE_SCENARIO = "match"
    settings.SANDBOXES_ENABLED = True
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"every-page-{uuid.uuid4().hex}"}}
    demo = seed()
    w = {"demo": demo, "people": {}, "urls": {}}
    people = {k: Person.objects.get(id_number=v["id_number"]) for k, v in demo["people"].items()}
    w["people"].update(people)
    head = people["head_of_family"]
    dep = {k: FamilyMember.objects.get(pk=v["id"]) for k, v in demo["dependents"].items()}
    w["dependents"] = dep
    today = dates.today()

    # --- ID renewal: one person per step -------------------------------------------------------
    OfficeFactory(name_en="Civil Affairs — Olaya branch", name_ar="الأحوال المدنية — فرع العليا")
    from biometrics.enrol import person_photo_enroll

    def citizen(name_en, name_ar, days=45):
        p = PersonFactory(name_en=name_en, name_ar=name_ar)
        IdCardFactory(person=p, expiry_date=today + dt.timedelta(days=days))
        addr = AddressFactory(person=p, deliverable=True)
        AddressFactory(person=p, deliverable=False, short_address=f"FAR{p.pk % 10000:04d}"[:8], is_primary=False)
        person_photo_enroll(person=p, data=synthetic_portrait())
        return p, addr

    def renewal(p, scenario="match"):
        settings.FACE_ENGINE_SCENARIO = scenario
        r = ca.renewal_create(person=p, photo_data=synthetic_portrait(size=(640, 800)))
        settings.FACE_ENGINE_SCENARIO = "match"
        r.refresh_from_db()
        return r

    p, _ = citizen("Salem Checking", "سالم الفحص")
    r = renewal(p)
    IdRenewal.objects.filter(pk=r.pk).update(status="PHOTO_CHECK", check_status="PENDING")
    w["people"]["idr_pending"], w["idr_pending"] = p, r.pk

    p, _ = citizen("Rashid Rejected", "راشد المرفوض")
    r = renewal(p, "mismatch")
    assert r.status == "PHOTO_REJECTED", r.status
    w["people"]["idr_rejected"], w["idr_rejected"] = p, r.pk

    p, _ = citizen("Dana Delivery", "دانة التوصيل")
    r = renewal(p)
    assert r.status == "AWAITING_DELIVERY_CHOICE", r.status
    w["people"]["idr_delivery"], w["idr_delivery"] = p, r.pk

    p, addr = citizen("Badr Bill", "بدر الفاتورة")
    r = renewal(p)
    r = ca.renewal_delivery_choose(person=p, renewal_id=r.pk, method="POST", address_id=addr.pk)
    w["people"]["idr_payment"], w["idr_payment"], w["idr_payment_payment"] = p, r.pk, r.payment_id

    p, addr = citizen("Abdullah Approved", "عبدالله الموافق")
    r = renewal(p)
    r = ca.renewal_delivery_choose(person=p, renewal_id=r.pk, method="POST", address_id=addr.pk)
    payment_mark_paid(payment_id=r.payment_id, method="CARD", card_last4="1111")
    payment_fulfil(payment_id=r.payment_id)
    w["people"]["idr_approved"], w["idr_approved"], w["idr_approved_payment"] = p, r.pk, r.payment_id

    p, addr = citizen("Rana Review", "رنا المراجعة")
    r = renewal(p, "review")
    r = ca.renewal_delivery_choose(person=p, renewal_id=r.pk, method="POST", address_id=addr.pk)
    payment_mark_paid(payment_id=r.payment_id, method="CARD", card_last4="1111")
    payment_fulfil(payment_id=r.payment_id)
    r.refresh_from_db()
    assert r.status == "UNDER_REVIEW", r.status
    w["idr_review"] = r.pk

    # --- family iqama renewal: approved, awaiting payment, under review ------------------------
    approved = renewal_submit(head=head, items=[{"dependent_id": dep["wife_ok"].pk, "months": 12}])
    payment_mark_paid(payment_id=approved.payment_id, method="CARD", card_last4="1111")
    payment_fulfil(payment_id=approved.payment_id)
    w["iqama_approved"], w["iqama_approved_payment"] = approved.pk, approved.payment_id
    waiting = renewal_submit(head=head, items=[{"dependent_id": dep["son_expired"].pk, "months": 6}])
    w["iqama_waiting"], w["iqama_waiting_payment"] = waiting.pk, waiting.payment_id
    review = renewal_submit(head=head, items=[{"dependent_id": dep["son_ok"].pk, "months": 6}])
    HealthInsurance.objects.filter(person=dep["son_ok"].person).delete()
    payment_mark_paid(payment_id=review.payment_id, method="SADAD", bank_reference="BR-EVERY-PAGE")
    payment_fulfil(payment_id=review.payment_id)
    w["iqama_review"] = review.pk

    # --- a visa: applied, paid and issued --------------------------------------------------------
    app = application_submit(person=head, items=[{"person_id": head.pk, "type": "SINGLE", "months": 2}])
    payment_mark_paid(payment_id=app.payment_id, method="CARD", card_last4="1111")
    payment_fulfil(payment_id=app.payment_id)
    app.refresh_from_db()
    w["visa_application"], w["visa"] = app.pk, app.visas.get().pk

    # --- fines: the head's own and a dependent's; a citizen pays one (receipt) ------------------
    TrafficViolationFactory(person=head, reference="TV-8800001", amount=Decimal("500.00"), description_en="Crossing a red light")
    TrafficViolationFactory(person=dep["son_expired"].person, reference="TV-8800002", amount=Decimal("150.00"))
    TrafficViolationFactory(person=head, reference="TV-8800003", amount=Decimal("300.00"))
    from fines.selectors import outstanding_for_person

    row = next(r for r in outstanding_for_person(person=head) if r.obj.reference == "TV-8800003")
    fine_payment = outstanding_payment_create(person=head, selection=[(row.type, row.obj.pk)])
    payment_mark_paid(payment_id=fine_payment.pk, method="CARD", card_last4="4242")
    payment_fulfil(payment_id=fine_payment.pk)
    w["fine_payment"] = fine_payment.pk

    # --- the officer ------------------------------------------------------------------------------
    User.objects.filter(username="walk-officer").delete()
    User.objects.create_superuser("walk-officer", "walk@example.com", OFFICER_PASSWORD)
    # a dependent nothing has touched: the keyboard-only walk renews him
    from tests.factories import FamilyMemberFactory, InsuranceFactory, IqamaFactory, PassportFactory, ResidentFactory

    kid = ResidentFactory(name_en="Ali Ahmed Hassan", name_ar="علي أحمد حسن", birth_date=dt.date(2016, 2, 2))
    IqamaFactory(person=kid, expiry_date=today + dt.timedelta(days=25))
    PassportFactory(person=kid, expiry_date=today + dt.timedelta(days=1200))
    InsuranceFactory(person=kid, expiry_date=today + dt.timedelta(days=500))
    w["kbd_dependent"] = FamilyMemberFactory(head=head, person=kid, relation="SON").pk
    # and a daughter, eligible too: the quote page shows two rows and the total
    girl = ResidentFactory(name_en="Laila Ahmed Hassan", name_ar="ليلى أحمد حسن", birth_date=dt.date(2018, 7, 7), gender="F")
    IqamaFactory(person=girl, expiry_date=today - dt.timedelta(days=40))  # expired: the quote adds a late fine
    PassportFactory(person=girl, expiry_date=today + dt.timedelta(days=1200))
    InsuranceFactory(person=girl, expiry_date=today + dt.timedelta(days=500))
    w["quote_dependent"] = FamilyMemberFactory(head=head, person=girl, relation="DAUGHTER").pk
    return w


# --- the pages ------------------------------------------------------------------------------------
@dataclasses.dataclass
class Page:
    name: str
    who: str | None  # a key of world["people"], "officer", or None (nobody signed in)
    url: Callable[[dict], str] | str
    setup: Callable | None = None  # setup(page, base_url, world): reach the page by doing something

    def path(self, w):
        return self.url(w) if callable(self.url) else self.url


def _checks_query(w):
    d = w["dependents"]
    keys = ["wife2_medical_required", "son_no_insurance", "daughter_passport_expiring", "son_expired"]
    return "&".join(f"d={d[k].pk}&m{d[k].pk}=12" for k in keys)


def _visa_query(w):
    """The visa form with a traveller chosen: the head's wife, a multiple exit/re-entry for 3 months."""
    d = w["dependents"]["wife_ok"].person_id
    return f"p={d}&t{d}=MULTIPLE&m{d}=3"


def _quote_query(w):
    a, b = w["kbd_dependent"], w["quote_dependent"]
    return f"d={a}&m{a}=12&d={b}&m{b}=6"


def _login_person(page) -> str:
    """Who signs in on the login pages of this language: one waiting request per ID number."""
    return "citizen_expired" if page.evaluate("() => document.documentElement.lang") == "ar" else "citizen_no_address"


def _login_waiting(page, base, w):
    page.goto(f"{base}/login/")
    if page.get_by_test_id("nafath-number").count():  # this browser's request is still waiting
        return
    page.get_by_test_id("id-number").fill(w["people"][_login_person(page)].id_number)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nafath-number").wait_for()


def _login_error(page, base, w):
    page.goto(f"{base}/login/")
    page.get_by_test_id("id-number").fill("12345")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("id-number-error").wait_for()


def _app_with_request(page, base, w):
    """Sign the Nafath app in as the person _login_waiting started a sign-in for (in the same
    language): the waiting request is listed."""
    page.goto(f"{base}/nafath-app/")
    key = _login_person(page)
    if page.get_by_test_id("app-signin").count():
        page.get_by_test_id("app-id-number").fill(w["people"][key].id_number)
        page.get_by_test_id("app-pin").fill(w["demo"]["people"][key]["nafath_pin"])
        page.get_by_test_id("app-signin-submit").click()
    page.get_by_test_id("app-person").wait_for()


def _idr_form_error(page, base, w):
    page.goto(f"{base}/civil-affairs/id-renewal/")
    page.get_by_test_id("photo-submit").click()
    page.wait_for_load_state()


PAGES = [
    Page("home", None, "/"),
    Page("login", None, "/login/"),
    Page("login-error", None, "/login/", _login_error),
    Page("login-waiting", None, "/login/", _login_waiting),
    Page("nafath-app-signin", None, "/nafath-app/"),
    Page("nafath-app-requests", None, "/nafath-app/", _app_with_request),
    Page("nafath-activate", None, "/nafath/activate/"),
    Page("not-found", None, "/no-such-page/"),
    Page("dashboard-head", "head_of_family", "/dashboard/"),
    Page("dashboard-citizen", "citizen_due", "/dashboard/"),
    Page("nafath-devices", "head_of_family", "/nafath/devices/"),
    Page("nafath-activity", "head_of_family", "/nafath/activity/"),
    Page("idr-start-eligible", "citizen_due", "/civil-affairs/id-renewal/"),
    Page("idr-start-form-error", "citizen_due", "/civil-affairs/id-renewal/", _idr_form_error),
    Page("idr-start-not-due", "citizen_not_due", "/civil-affairs/id-renewal/"),
    Page("idr-start-no-address", "citizen_no_address", "/civil-affairs/id-renewal/"),
    Page("idr-photo-checking", "idr_pending", lambda w: f"/civil-affairs/id-renewal/{w['idr_pending']}/"),
    Page("idr-photo-rejected", "idr_rejected", lambda w: f"/civil-affairs/id-renewal/{w['idr_rejected']}/"),
    Page("idr-delivery", "idr_delivery", lambda w: f"/civil-affairs/id-renewal/{w['idr_delivery']}/"),
    Page("idr-payment", "idr_payment", lambda w: f"/civil-affairs/id-renewal/{w['idr_payment']}/"),
    Page("idr-checkout", "idr_payment", lambda w: f"/payments/{w['idr_payment_payment']}/checkout/"),
    Page("idr-approved", "idr_approved", lambda w: f"/civil-affairs/id-renewal/{w['idr_approved']}/"),
    Page("idr-receipt", "idr_approved", lambda w: f"/payments/{w['idr_approved_payment']}/receipt/"),
    Page("family", "head_of_family", "/passports/"),
    Page("family-checks", "head_of_family", lambda w: f"/passports/iqama-renewal/checks/?{_checks_query(w)}"),
    Page("family-quote", "head_of_family", lambda w: f"/passports/iqama-renewal/quote/?{_quote_query(w)}"),
    Page("family-awaiting-payment", "head_of_family", lambda w: f"/passports/iqama-renewals/{w['iqama_waiting']}/"),
    Page("family-checkout", "head_of_family", lambda w: f"/payments/{w['iqama_waiting_payment']}/checkout/"),
    Page("family-approved", "head_of_family", lambda w: f"/passports/iqama-renewals/{w['iqama_approved']}/"),
    Page("family-under-review", "head_of_family", lambda w: f"/passports/iqama-renewals/{w['iqama_review']}/"),
    Page("family-receipt", "head_of_family", lambda w: f"/payments/{w['iqama_approved_payment']}/receipt/"),
    Page("national-address-help", "head_of_family", "/passports/national-address/"),
    Page("medical-centre", "head_of_family", "/passports/sandbox/medical-centre/"),
    Page("outstanding", "head_of_family", "/payments/outstanding/"),
    Page("payments-list", "head_of_family", "/payments/"),
    Page("payment-detail", "head_of_family", lambda w: f"/payments/{w['iqama_waiting_payment']}/"),
    Page("fine-receipt", "head_of_family", lambda w: f"/payments/{w['fine_payment']}/receipt/"),
    Page("sadad-bank", "head_of_family", "/payments/sandbox-bank/"),
    Page("inbox", "head_of_family", "/notifications/"),
    Page("visas", "head_of_family", "/visas/"),
    Page("visa-apply", "head_of_family", lambda w: f"/visas/apply/?{_visa_query(w)}"),
    Page("visa-application", "head_of_family", lambda w: f"/visas/applications/{w['visa_application']}/"),
    Page("visa-detail", "head_of_family", lambda w: f"/visas/{w['visa']}/"),
    Page("visa-border", "head_of_family", "/visas/sandbox/border/"),
    Page("admin-index", "officer", "/admin/"),
    Page("admin-idrenewal-queue", "officer", "/admin/civil_affairs/idrenewal/?status__exact=UNDER_REVIEW"),
    Page("admin-idrenewal-all", "officer", "/admin/civil_affairs/idrenewal/"),
    Page("admin-idrenewal-review", "officer", lambda w: f"/admin/civil_affairs/idrenewal/{w['idr_review']}/review/"),
    Page("admin-iqama-queue", "officer", "/admin/passports/iqamarenewal/?status__exact=UNDER_REVIEW"),
    Page("admin-iqama-decide", "officer", lambda w: f"/admin/passports/iqamarenewal/{w['iqama_review']}/decide/"),
    Page("admin-visas", "officer", "/admin/visas/visa/"),
    Page("admin-payments", "officer", "/admin/payments/payment/"),
    Page("admin-people-by-name", "officer", "/admin/registry/person/?q=Ahmed+Hassan"),
    Page("admin-nafath-requests", "officer", "/admin/nafath/nafathrequest/"),
    Page("admin-audit-log", "officer", "/admin/core/auditlog/"),
    Page("admin-authenticator", "officer", "/admin/officer/authenticator/"),
    Page("admin-login", None, "/admin/login/?next=/admin/"),
]


# --- helpers ----------------------------------------------------------------------------------------
def axe_path() -> Path:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE}): run `make setup` (npm ci installs the pinned axe-core)")
    return AXE


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(axe_path()))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, help: v.help, targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }""",
        AXE_TAGS,
    )


# How many rows the header's items sit on (items whose tops differ by more than half a line).
HEADER_LINES = """() => { const tops = [];
  for (const el of document.querySelectorAll('.topbar .brand, .topbar .topnav > a, .topbar .topnav > form')) {
    const t = el.getBoundingClientRect().top; if (!tops.some(x => Math.abs(x - t) < 20)) tops.push(t); }
  return tops.length; }"""


def overflow(page) -> int:
    """How many px the page is wider than the viewport (0 when it fits)."""
    return page.evaluate("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def widest(page) -> list[str]:
    """The elements that stick out of the viewport, for a readable failure."""
    return page.evaluate(
        """() => { const W = window.innerWidth, out = [];
          for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect();
            if ((r.right > W + 1 || r.left < -1) && r.width > 0) {
              out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' [' + Math.round(r.left) + '..' + Math.round(r.right) + ']'); }
            if (out.length >= 6) break; }
          return out; }"""
    )


class Contexts:
    """One browser context per (person, language), made on first use and reused."""

    def __init__(self, browser, live_server, cookie_for, world, js=True):
        self.browser, self.base, self.cookie_for, self.w, self.js = browser, live_server.url, cookie_for, world, js
        self.made = {}

    def get(self, who, lang):
        key = (who, lang)
        if key not in self.made:
            ctx = self.browser.new_context(
                viewport={"width": PHONE, "height": 800},
                locale="ar-SA" if lang == "ar" else "en-US",
                java_script_enabled=self.js,
                bypass_csp=True,  # axe is injected as a script tag; the pages' own CSP forbids inline scripts
            )
            cookies = [{"name": "absher_lang", "value": lang, "url": self.base}]
            if who == "officer":
                cookies.append(officer_cookie(self.base))
            elif who:
                cookies.append(self.cookie_for(self.w["people"][who]))
            ctx.add_cookies(cookies)
            page = ctx.new_page()
            page.set_default_timeout(20_000)
            self.made[key] = (ctx, page)
        return self.made[key][1]

    def close(self):
        for ctx, _ in self.made.values():
            ctx.close()
        self.made = {}


def officer_cookie(base):
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    c = Client()
    officer_login(c, User.objects.get(username="walk-officer"))
    return {"name": settings.SESSION_COOKIE_NAME, "value": c.cookies[settings.SESSION_COOKIE_NAME].value, "url": base}


def visit(page, base, w, p: Page):
    if p.setup:
        p.setup(page, base, w)
    else:
        page.goto(base + p.path(w))
    page.wait_for_load_state("load")


@pytest.fixture
def world(transactional_db, live_server, settings):
    return build_world(settings)


# --- the walk ------------------------------------------------------------------------------------------
def test_every_page_fits_a_phone_and_passes_axe(browser, live_server, session_cookie_for, artifacts, world):
    axe_path()
    shots = artifacts / "every-page"
    shots.mkdir(exist_ok=True)
    problems = []
    visits = 0
    ctxs = Contexts(browser, live_server, session_cookie_for, world)
    try:
        for lang in LANGS:
            for p in PAGES:
                page = ctxs.get(p.who, lang)
                for width in (PHONE, DESKTOP):
                    page.set_viewport_size({"width": width, "height": 800})
                    where = f"{p.name} [{lang}, {width} px]"
                    try:
                        visit(page, live_server.url, world, p)
                    except Exception as e:  # noqa: BLE001 - reported with the others, with a screenshot
                        page.screenshot(path=str(shots / f"FAILED-{p.name}-{lang}-{width}.png"), full_page=True)
                        problems.append(f"{where}: could not reach the page: {str(e).splitlines()[0]}")
                        continue
                    visits += 1
                    where = f"{where} {page.url.removeprefix(live_server.url)}"
                    if page.evaluate("() => document.documentElement.dir") != ("rtl" if lang == "ar" else "ltr"):
                        problems.append(f"{where}: the page is not in {lang}'s direction")
                    extra = overflow(page)
                    if extra:
                        problems.append(f"{where}: {extra} px wider than the screen; sticking out: {', '.join(widest(page))}")
                    if width == PHONE and p.who != "officer":
                        codes = visible_codes(page)
                        if codes:
                            problems.append(f"{where}: internal codes shown to a citizen: {codes}")
                        lines = page.evaluate(HEADER_LINES)
                        if lines > 2:
                            problems.append(f"{where}: the header takes {lines} lines")
                    if p.name == "family-quote" and not page.get_by_test_id("quote-total").is_visible():
                        problems.append(f"{where}: the quote shows no total")
                    if width == PHONE and lang == "ar":
                        page.screenshot(path=str(shots / f"{p.name}-ar-360.png"), full_page=True)
                    for v in run_axe(page):
                        problems.append(f"{where}: axe {v['id']} ({v['help']}) at {'; '.join(v['targets'])}")
    finally:
        ctxs.close()
    print(f"\nevery page: {len(PAGES)} pages x {len(LANGS)} languages x 2 widths = {visits} visits; screenshots in {shots}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


# --- what axe does not see -------------------------------------------------------------------------------
# Internal codes: PASSPORT_VALIDITY, FACE_MISMATCH, background_luma ... (a reference such as IDR-2026-0001 is not one).
CODE_RE = re.compile(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+\b|\b[a-z][a-z0-9]+(?:_[a-z0-9]+)+\b")


def visible_codes(page) -> list[str]:
    text = page.evaluate("() => document.body.innerText")
    return sorted({m.group(0) for m in CODE_RE.finditer(text)})


def luminance(rgb):
    def ch(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb[:3]
    return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


FOCUS_STYLE = """() => {
  const el = document.activeElement, cs = getComputedStyle(el);
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  let bgEl = el.parentElement, bg = [255, 255, 255];
  while (bgEl) { const c = rgb(getComputedStyle(bgEl).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) { bg = c.slice(0, 3); break; } bgEl = bgEl.parentElement; }
  return {tag: el.tagName.toLowerCase(), testid: el.dataset.testid || '', id: el.id, style: cs.outlineStyle,
          width: parseFloat(cs.outlineWidth), color: rgb(cs.outlineColor).slice(0, 3), bg, offset: parseFloat(cs.outlineOffset)};
}"""


def test_focus_ring_is_visible_with_3_to_1_contrast(browser, live_server, session_cookie_for, world):
    """Tab through the login page and the family page: every focused element draws an outline at
    least 2 px wide whose colour has >= 3:1 contrast with the background it sits on."""
    ctxs = Contexts(browser, live_server, session_cookie_for, world)
    try:
        seen = []
        for who, path in ((None, "/login/"), ("head_of_family", "/passports/"), ("head_of_family", "/payments/outstanding/")):
            page = ctxs.get(who, "en")
            page.goto(live_server.url + path)
            for _ in range(12):
                page.keyboard.press("Tab")
                f = page.evaluate(FOCUS_STYLE)
                if f["tag"] == "body":
                    continue
                seen.append(f)
                where = f"{path}: <{f['tag']}> {f['testid'] or f['id']}"
                assert f["style"] not in ("none", "hidden") and f["width"] >= 2, f"{where}: no visible focus ring ({f})"
                ratio = contrast(f["color"], f["bg"])
                assert ratio >= 3, f"{where}: focus ring {f['color']} on {f['bg']} has contrast {ratio:.2f}:1, below 3:1"
        assert {f["tag"] for f in seen} >= {"a", "input", "button"}, seen
    finally:
        ctxs.close()


def test_skip_link_is_first_and_moves_focus_to_the_content(browser, live_server, session_cookie_for, world):
    ctxs = Contexts(browser, live_server, session_cookie_for, world)
    try:
        for lang in LANGS:
            page = ctxs.get("head_of_family", lang)
            page.goto(f"{live_server.url}/passports/")
            link = page.get_by_test_id("skip-link")
            assert not link.is_visible() or link.bounding_box()["y"] < 0, "the skip link shows before it is focused"
            page.keyboard.press("Tab")
            assert page.evaluate("() => document.activeElement.dataset.testid") == "skip-link"
            box = link.bounding_box()
            assert box and box["y"] >= 0 and box["height"] >= 20, f"the focused skip link is not on the screen: {box}"
            page.keyboard.press("Enter")
            assert page.evaluate("() => document.activeElement.id") == "main"
            page.keyboard.press("Tab")
            inside = page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
            assert inside, "after the skip link, Tab goes on inside the content, not the header"
    finally:
        ctxs.close()


DESCRIBED = """() => Array.from(document.querySelectorAll('[aria-invalid=true], [aria-describedby]')).map(el => {
  const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
  const targets = ids.map(id => document.getElementById(id));
  return {name: el.name || el.id || el.tagName, invalid: el.getAttribute('aria-invalid') === 'true', ids,
          missing: ids.filter((id, i) => !targets[i]),
          announced: targets.some(t => t && (t.closest('[role=alert]') || t.closest('[aria-live]') || t.querySelector('[role=alert]')))};
})"""


def test_field_errors_are_tied_to_their_fields_and_announced(browser, live_server, session_cookie_for, world):
    """Bad input on the login, the Nafath app, the activation, the photo upload and the card form:
    each invalid field names its error with aria-describedby, the element exists and is announced."""
    ctxs = Contexts(browser, live_server, session_cookie_for, world)
    try:
        base = live_server.url
        checked = []

        def check(page, what):
            fields = page.evaluate(DESCRIBED)
            invalid = [f for f in fields if f["invalid"]]
            assert invalid, f"{what}: no field is marked aria-invalid"
            for f in fields:
                assert not f["missing"], f"{what}: {f['name']} aria-describedby names missing element(s) {f['missing']}"
            for f in invalid:
                assert f["ids"], f"{what}: invalid {f['name']} has no aria-describedby"
                assert f["announced"], f"{what}: the error of {f['name']} is not announced (role=alert or aria-live)"
            checked.append(what)

        for lang in LANGS:
            page = ctxs.get(None, lang)
            _login_error(page, base, world)
            check(page, f"login [{lang}]")
            page.goto(f"{base}/nafath-app/")
            if page.get_by_test_id("app-signin").count():
                page.get_by_test_id("app-id-number").fill("1")
                page.get_by_test_id("app-pin").fill("")
                page.get_by_test_id("app-signin-submit").click()
                check(page, f"nafath app sign-in [{lang}]")
            page = ctxs.get("citizen_due", lang)
            _idr_form_error(page, base, world)
            check(page, f"photo upload [{lang}]")
            page = ctxs.get("head_of_family", lang)
            page.goto(f"{base}/payments/{world['iqama_waiting_payment']}/checkout/")
            page.get_by_test_id("card-number").fill("1234")
            page.get_by_test_id("card-expiry-month").fill("13")
            page.get_by_test_id("card-pay").click()
            page.wait_for_load_state()
            check(page, f"card form [{lang}]")
        assert len(checked) >= 6, checked
    finally:
        ctxs.close()


def test_countdown_and_photo_check_are_announced_politely(browser, live_server, session_cookie_for, world):
    ctxs = Contexts(browser, live_server, session_cookie_for, world)
    try:
        page = ctxs.get(None, "en")
        _login_waiting(page, live_server.url, world)
        timer = page.get_by_test_id("countdown")
        assert timer.get_attribute("role") == "timer"
        announce = page.get_by_test_id("countdown-announce")
        assert announce.get_attribute("aria-live") == "polite"
        page.wait_for_function(
            "() => /Time left: \\d+:\\d\\d/.test(document.querySelector('[data-testid=countdown-announce]').textContent)"
        )
        # the live photo check (camera guidance) and the photo check of a sent photo
        page = ctxs.get("citizen_due", "en")
        page.goto(f"{live_server.url}/civil-affairs/id-renewal/")
        assert page.get_by_test_id("camera-hint").get_attribute("aria-live") == "polite"
        page = ctxs.get("idr_pending", "en")
        page.goto(f"{live_server.url}/civil-affairs/id-renewal/{world['idr_pending']}/")
        assert page.get_by_test_id("check-pending").get_attribute("aria-live") == "polite"
    finally:
        ctxs.close()


def tab_to(page, selector, limit=120):
    """Press Tab until the focused element matches selector (fails when it is not reachable)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} not reached with Tab on {page.url}")


def test_keyboard_only_login_and_family_renewal(browser, live_server, session_cookie_for, world):
    """Sign in and renew a dependent's iqama, paying by card, with the keyboard only: Tab to move,
    Enter to press, Space to tick, typing to fill."""
    from passports.models import IqamaRenewal

    base = live_server.url
    head = world["people"]["head_of_family"]
    pin = world["demo"]["people"]["head_of_family"]["nafath_pin"]
    portal = browser.new_context(viewport={"width": PHONE, "height": 800}, locale="en-US")
    phone = browser.new_context(viewport={"width": PHONE, "height": 800}, locale="en-US")
    try:
        for c in (portal, phone):
            c.add_cookies([{"name": "absher_lang", "value": "en", "url": base}])
        page = portal.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{base}/login/")
        tab_to(page, "[data-testid=id-number]")
        page.keyboard.type(head.id_number)
        page.keyboard.press("Enter")
        number = page.get_by_test_id("nafath-number").inner_text().strip()
        app = phone.new_page()
        app.set_default_timeout(20_000)
        app.goto(f"{base}/nafath-app/")
        tab_to(app, "[data-testid=app-id-number]")
        app.keyboard.type(head.id_number)
        tab_to(app, "[data-testid=app-pin]")
        app.keyboard.type(pin)
        app.keyboard.press("Enter")
        app.get_by_test_id("app-person").wait_for()
        tab_to(app, f"[data-testid=choice-{number}]")
        app.keyboard.press("Enter")
        app.get_by_test_id("app-empty").wait_for()
        page.wait_for_url(f"{base}/dashboard/")

        tab_to(page, "[data-testid=service-iqama-renewal]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/passports/")
        target = world["kbd_dependent"]
        tab_to(page, f"[data-testid=select-{target}]")
        page.keyboard.press("Space")
        page.keyboard.press("Enter")  # Enter in the form submits it
        page.wait_for_url("**/iqama-renewal/checks/**")
        tab_to(page, "[data-testid=to-quote]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/iqama-renewal/quote/**")
        tab_to(page, "input[name=confirm]")
        page.keyboard.press("Space")
        tab_to(page, "[data-testid=submit-renewal]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/passports/iqama-renewals/*/")
        tab_to(page, "[data-testid=pay-card]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/checkout/")
        for testid, value in (
            ("card-number", "4111111111111111"),
            ("card-expiry-month", "12"),
            ("card-expiry-year", str(dt.date.today().year + 2)),
            ("card-cvv", "123"),
        ):
            tab_to(page, f"[data-testid={testid}]")
            page.keyboard.type(value)
        tab_to(page, "[data-testid=card-pay]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/passports/iqama-renewals/*/")
        page.get_by_test_id("approved").wait_for()
        assert IqamaRenewal.objects.filter(head=head, status="APPROVED", items__member_id=target).exists()
    finally:
        portal.close()
        phone.close()


REFRESH = re.compile(r"<noscript>\s*<meta http-equiv=\"refresh\" content=\"(\d+)\">\s*</noscript>")
BY_ITSELF = re.compile(r"by itself|refreshes|updates", re.I)


def test_without_javascript_the_waiting_pages_refresh_and_the_app_lists_new_requests(browser, live_server, session_cookie_for, world):
    """A browser with JavaScript off: the login waiting page and the photo check reload themselves
    (a meta refresh inside <noscript>, seen to reload), the Nafath app lists a request made after it
    was opened once it is reloaded, and no page says it updates by itself without a refresh."""
    base = live_server.url
    ctxs = Contexts(browser, live_server, session_cookie_for, world, js=False)
    try:
        # the login waiting page: it reloads itself
        page = ctxs.get(None, "en")
        page.goto(f"{base}/login/")
        page.get_by_test_id("id-number").fill(world["people"]["citizen_expired"].id_number)
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("nafath-number").wait_for()
        assert REFRESH.search(page.content()), "the login waiting page has no <noscript> refresh"
        assert page.get_by_test_id("login-check").is_visible()  # and a button to go on by hand
        with page.expect_event("load", timeout=15_000):
            pass  # the meta refresh reloads the page
        page.get_by_test_id("nafath-number").wait_for()

        # the photo check: it reloads itself, and says so only because it does
        page = ctxs.get("idr_pending", "en")
        page.goto(f"{base}/civil-affairs/id-renewal/{world['idr_pending']}/")
        assert REFRESH.search(page.content()), "the photo check page has no <noscript> refresh"
        with page.expect_event("load", timeout=15_000):
            pass

        # the Nafath app: signed in, empty; a new request shows on reload
        from nafath.models import NafathRequest

        app = browser.new_context(java_script_enabled=False, viewport={"width": PHONE, "height": 800})
        app.add_cookies([{"name": "absher_lang", "value": "en", "url": base}])
        ap = app.new_page()
        who = world["people"]["citizen_not_due"]
        ap.goto(f"{base}/nafath-app/")
        ap.get_by_test_id("app-id-number").fill(who.id_number)
        ap.get_by_test_id("app-pin").fill(world["demo"]["people"]["citizen_not_due"]["nafath_pin"])
        ap.get_by_test_id("app-signin-submit").click()
        ap.get_by_test_id("app-empty").wait_for()
        assert REFRESH.search(ap.content()), "the Nafath app says it refreshes by itself but has no refresh without JavaScript"
        login = ctxs.get(None, "ar")
        login.goto(f"{base}/login/")
        login.get_by_test_id("id-number").fill(who.id_number)
        login.get_by_test_id("login-submit").click()
        login.get_by_test_id("nafath-number").wait_for()
        req = NafathRequest.objects.get(id_number=who.id_number, status="WAITING")
        ap.get_by_test_id("app-reload").click()
        ap.get_by_test_id(f"request-{req.transaction_id}").wait_for()
        app.close()

        # no page claims to update by itself without refreshing (fresh browsers: nobody's sign-in is waiting)
        ctxs.close()
        for p in PAGES:
            page = ctxs.get(p.who, "en")
            if p.setup in (_app_with_request,):
                continue
            visit(page, base, world, p)
            html = page.content()
            text = page.locator("body").inner_text()
            for line in text.splitlines():
                if BY_ITSELF.search(line) and "by itself as soon as you confirm" not in line:
                    assert REFRESH.search(html) or 'http-equiv="refresh"' in html, f"{p.name}: says {line!r} without refreshing"
    finally:
        ctxs.close()


def test_checks_page_lists_failures_first_and_folds_the_met_conditions(browser, live_server, session_cookie_for, world):
    ctxs = Contexts(browser, live_server, session_cookie_for, world)
    try:
        for lang in LANGS:
            page = ctxs.get("head_of_family", lang)
            page.goto(f"{live_server.url}/passports/iqama-renewal/checks/?{_checks_query(world)}")
            daughter = world["dependents"]["daughter_passport_expiring"].pk
            card = page.get_by_test_id(f"checks-{daughter}")
            items = card.locator("li[data-testid^=check-]")
            order = items.evaluate_all(
                "els => els.map(e => [e.dataset.passed === 'true' && e.dataset.review !== 'true', !!e.closest('details')])"
            )
            assert order and not order[0][0], f"the first check shown is a met one: {order}"
            firsts = [met for met, folded in order if not folded]
            assert firsts and not any(firsts), f"a met condition is shown outside the fold: {order}"
            assert all(folded for met, folded in order if met), f"a met condition is not folded: {order}"
            folded = card.get_by_test_id(f"met-checks-{daughter}")
            n = int(folded.get_attribute("data-count"))
            assert n == sum(1 for met, _ in order if met) and n >= 5
            summary = folded.locator("summary").inner_text()
            assert (
                (f"{n} conditions met" in summary)
                if lang == "en"
                else (str(n) in summary or str(n).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) in summary)
            )
            assert not folded.locator("li").first.is_visible(), "the met conditions are open before the person asks"
            assert card.get_by_test_id("check-PASSPORT_VALIDITY").is_visible()
            folded.locator("summary").click()
            assert folded.locator("li").first.is_visible()
    finally:
        ctxs.close()


def test_button_styles_are_distinct_and_reject_is_not_green(browser, live_server, session_cookie_for, world):
    base = live_server.url
    ctxs = Contexts(browser, live_server, session_cookie_for, world)
    try:
        page = ctxs.get("head_of_family", "en")
        page.goto(f"{base}/passports/")
        colours = page.evaluate(
            """() => { const out = {}; for (const kind of ['btn', 'btn btn-primary', 'btn btn-secondary', 'btn btn-danger']) {
                 for (const tag of ['button', 'a']) { const el = document.createElement(tag); el.className = kind; el.textContent = 'x';
                   if (tag === 'a') el.href = '#'; document.querySelector('main').appendChild(el);
                   out[tag + '.' + kind.replace(/ /g, '.')] = getComputedStyle(el).backgroundColor; } } return out; }"""
        )
        for tag in ("button", "a"):
            primary, secondary, danger = (colours[f"{tag}.btn.btn-{k}"] for k in ("primary", "secondary", "danger"))
            assert colours[f"{tag}.btn"] == primary, colours
            assert len({primary, secondary, danger}) == 3, f"{tag}: primary, secondary and danger look the same: {colours}"
        assert colours["button.btn.btn-secondary"] == colours["a.btn.btn-secondary"], colours
        assert colours["button.btn.btn-danger"] == colours["a.btn.btn-danger"], colours

        # the Nafath app's reject button, next to a request
        app = ctxs.get(None, "en")
        _login_waiting(app, base, world)
        _app_with_request(app, base, world)
        reject = app.get_by_test_id("reject").first
        bg = [int(x) for x in re.findall(r"\d+", reject.evaluate("el => getComputedStyle(el).backgroundColor"))][:3]
        assert bg[0] > bg[1] and bg[0] > bg[2], f"reject is not red: rgb{tuple(bg)}"
    finally:
        ctxs.close()


CITIZEN_CODE_PAGES = [
    "family",
    "family-checks",
    "family-quote",
    "family-under-review",
    "idr-photo-rejected",
    "idr-start-not-due",
    "idr-start-no-address",
    "idr-start-form-error",
    "outstanding",
    "dashboard-head",
    "visa-apply",
]


def test_citizens_never_see_internal_codes(browser, live_server, session_cookie_for, world):
    """The pages a citizen reads show the message and the fix, never a code such as
    PASSPORT_VALIDITY or background_luma (codes stay in the API and admin)."""
    by_name = {p.name: p for p in PAGES}
    ctxs = Contexts(browser, live_server, session_cookie_for, world)
    found = []
    try:
        for lang in LANGS:
            for name in CITIZEN_CODE_PAGES:
                p = by_name[name]
                page = ctxs.get(p.who, lang)
                visit(page, live_server.url, world, p)
                codes = visible_codes(page)
                if codes:
                    found.append(f"{name} [{lang}]: {codes}")
    finally:
        ctxs.close()
    assert not found, "internal codes shown to citizens:\n" + "\n".join(found)
