"""Pages of exit/re-entry visas: the journey from the choice to the visa page, its QR code and PDF,
cancel and extend, the sandbox border (404 when sandboxes are off), the dashboard tile; every page
404 for an outsider with nothing changed."""

import io
import re

import pytest
from django.urls import reverse

from payments.models import Payment
from registry.models import Person
from tests.visas.conftest import pay
from visas.models import BorderCrossing, Visa, VisaApplication

pytestmark = pytest.mark.django_db


def test_dashboard_tile_for_residents_only(fam, web_client_for):
    from tests.factories import PersonFactory

    head, wife = fam
    assert 'data-testid="service-visas"' in web_client_for(head).get("/dashboard/").content.decode()
    assert 'data-testid="service-visas"' in web_client_for(wife).get("/dashboard/").content.decode()  # any resident
    assert 'data-testid="service-visas"' not in web_client_for(PersonFactory()).get("/dashboard/").content.decode()


@pytest.mark.parametrize(
    "lang,words",
    [("ar", ("تأشيرات الخروج والعودة", "خلال 3 أشهر من إصدارها")), ("en", ("Exit/re-entry visas", "within 3 months of issue"))],
)
def test_index_lists_the_travellers(lang, words, fam, web_client_for):
    head, wife = fam
    page = web_client_for(head, lang=lang).get("/visas/").content.decode()
    assert all(word in page for word in words)  # the use-by rule with its figure (VISA_USE_WITHIN_MONTHS)
    assert f'data-testid="traveller-{head.pk}"' in page and f'data-testid="traveller-{wife.pk}"' in page


def test_choice_checks_confirm_and_one_application(fam, web_client_for):
    head, wife = fam
    c = web_client_for(head)
    url = f"/visas/apply/?p={head.pk}&t{head.pk}=SINGLE&m{head.pk}=2&p={wife.pk}&t{wife.pk}=MULTIPLE&m{wife.pk}=4"
    page = c.get(url).content.decode()
    assert 'data-testid="all-eligible"' in page
    assert re.search(r'data-testid="total">\s*900\.00', page)
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    r = c.post(url, {"token": token, "confirm": "on"})
    app = VisaApplication.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("visas:application", kwargs={"pk": app.pk})
    assert app.payment.amount == 900 and app.visas.count() == 2
    # The same form again: one application.
    r = c.post(url, {"token": token, "confirm": "on"})
    assert VisaApplication.objects.count() == 1 and r["Location"] == reverse("visas:application", kwargs={"pk": app.pk})
    page = c.get(r["Location"]).content.decode()
    assert 'data-testid="pay-card"' in page and app.payment.bill_number in page


def test_a_blocked_traveller_shows_the_fix_and_cannot_be_confirmed(fam, web_client_for):
    from tests.factories import TrafficViolationFactory

    head, wife = fam
    TrafficViolationFactory(person=wife)
    c = web_client_for(head)
    url = f"/visas/apply/?p={wife.pk}&t{wife.pk}=SINGLE&m{wife.pk}=2"
    page = c.get(url).content.decode()
    assert (
        'data-testid="some-blocked"' in page and 'data-testid="fix-UNPAID_VIOLATIONS"' in page and 'href="/payments/outstanding/"' in page
    )
    r = c.post(url, {"token": "a" * 32, "confirm": "on"})
    assert r.status_code == 200 and VisaApplication.objects.count() == 0


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_visa_page_number_dates_qr_history(lang, issued, fam, web_client_for):
    head, _ = fam
    page = web_client_for(head, lang=lang).get(f"/visas/{issued.pk}/").content.decode()
    assert issued.number in page
    assert "<svg" in page and 'data-testid="qr"' in page
    assert ("هـ" if lang == "ar" else "AH") in page  # the Hijri date beside the Gregorian one
    assert issued.valid_until.strftime("%Y/%m/%d") in page
    assert 'data-testid="pdf"' in page and 'data-testid="cancel"' in page


def test_qr_code_carries_the_visa(issued):
    from visas.qr import visa_qr_svg, visa_qr_text

    assert visa_qr_text(issued) == f"ERV:{issued.number};ID:{issued.person.id_number};T:SINGLE;UNTIL:{issued.valid_until.isoformat()}"
    svg = visa_qr_svg(issued)
    assert svg.startswith("<svg") and "<?xml" not in svg


def test_pdf_is_bilingual(issued, fam, web_client_for):
    from pypdf import PdfReader

    head, _ = fam
    r = web_client_for(head).get(f"/visas/{issued.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "Exit/re-entry visa" in text and issued.number in text and issued.person.id_number in text
    assert "Valid until" in text and issued.valid_until.strftime("%Y/%m/%d") in text
    assert re.search(r"[\u0600-\u06FF\uFE70-\uFEFF]", text)  # Arabic glyphs


def test_pdf_of_an_unpaid_visa_is_404(fam, submit, web_client_for):
    head, _ = fam
    visa = submit([(head, "SINGLE", 2)]).visas.get()
    assert web_client_for(head).get(f"/visas/{visa.pk}/pdf/").status_code == 404


def test_cancel_from_the_page(issued, fam, web_client_for):
    head, _ = fam
    r = web_client_for(head).post(f"/visas/{issued.pk}/cancel/")
    assert r.status_code == 302
    issued.refresh_from_db()
    assert issued.status == "CANCELLED"


def test_extend_from_the_page_goes_to_the_checkout(fam, submit, web_client_for):
    from visas.services import border_crossing_record

    head, wife = fam
    visa = pay(submit([(wife, "MULTIPLE", 3)])).visas.get()
    c = web_client_for(head)
    assert 'data-testid="extend"' not in c.get(f"/visas/{visa.pk}/").content.decode()  # inside the Kingdom
    border_crossing_record(actor=head, person_id=wife.pk, direction="EXIT")
    assert 'data-testid="extend"' in c.get(f"/visas/{visa.pk}/").content.decode()
    r = c.post(f"/visas/{visa.pk}/extend/", {"months": 2})
    ext = visa.extensions.get()
    assert r.status_code == 302 and r["Location"] == reverse("payments:checkout", kwargs={"pk": ext.payment_id})


def test_border_page_records_exit_and_return(issued, fam, web_client_for):
    head, _ = fam
    c = web_client_for(head)
    page = c.get("/visas/sandbox/border/").content.decode()
    assert 'data-testid="sandbox-banner"' in page
    r = c.post("/visas/sandbox/border/", {"person": head.pk, "direction": "EXIT", "port": "KFIA"})
    assert r.status_code == 302
    issued.refresh_from_db()
    assert issued.status == "USED_EXIT" and not Person.objects.get(pk=head.pk).inside_kingdom
    r = c.post("/visas/sandbox/border/", {"person": head.pk, "direction": "EXIT", "port": "KFIA"})
    assert r.status_code == 200 and "already outside" in r.content.decode()
    c.post("/visas/sandbox/border/", {"person": head.pk, "direction": "RETURN", "port": "KFIA"})
    issued.refresh_from_db()
    assert issued.status == "RETURNED" and BorderCrossing.objects.count() == 2


def test_border_page_is_404_when_sandboxes_are_off(issued, fam, web_client_for, settings):
    head, _ = fam
    settings.SANDBOXES_ENABLED = False
    c = web_client_for(head)
    assert c.get("/visas/sandbox/border/").status_code == 404
    assert c.post("/visas/sandbox/border/", {"person": head.pk, "direction": "EXIT"}).status_code == 404
    issued.refresh_from_db()
    assert issued.status == "ISSUED" and 'data-testid="to-border"' not in c.get("/visas/").content.decode()


def test_border_page_cannot_move_an_outsider(issued, fam, web_client_for, outsider):
    head, _ = fam
    r = web_client_for(outsider).post("/visas/sandbox/border/", {"person": head.pk, "direction": "EXIT"})
    assert r.status_code == 200  # the choice is not among the outsider's travellers: a form error
    issued.refresh_from_db()
    assert issued.status == "ISSUED" and Person.objects.get(pk=head.pk).inside_kingdom is True


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/visas/{visa}/"),
        ("get", "/visas/{visa}/pdf/"),
        ("post", "/visas/{visa}/cancel/"),
        ("post", "/visas/{visa}/extend/"),
        ("get", "/visas/applications/{app}/"),
        ("get", "/visas/apply/?p={head}&t{head}=SINGLE&m{head}=2"),
        ("post", "/visas/apply/?p={head}&t{head}=SINGLE&m{head}=2"),
    ],
)
def test_outsider_pages_404_and_nothing_changes(method, path, issued, fam, web_client_for, outsider):
    head, _ = fam
    url = path.format(visa=issued.pk, app=issued.application_id, head=head.pk)
    before = (list(Visa.objects.values_list("status", "version")), VisaApplication.objects.count(), Payment.objects.count())
    c = web_client_for(outsider)
    r = c.post(url, {"months": 1, "token": "b" * 32, "confirm": "on"}) if method == "post" else c.get(url)
    assert r.status_code == 404
    assert (list(Visa.objects.values_list("status", "version")), VisaApplication.objects.count(), Payment.objects.count()) == before


def test_outsider_list_border_and_dashboard_pages_show_nothing_of_the_family(issued, fam, web_client_for, outsider):
    """The pages without an id in the URL (the list, the sandbox border, the dashboard) are scoped to the
    signed-in person: an outsider sees none of the family's names, ID numbers, visas or crossings, and the
    border's traveller list offers only himself."""
    from visas.services import border_crossing_record

    head, wife = fam
    border_crossing_record(actor=head, person_id=head.pk, direction="EXIT", port="KFIA")
    family = (head.id_number, wife.id_number, head.name_en, wife.name_en, head.name_ar, wife.name_ar, issued.number)
    # The family's own pages do show them (so the assertions below can fail).
    mine = "".join(
        web_client_for(head, lang=lang).get(path).content.decode()
        for lang in ("en", "ar")
        for path in ("/visas/", "/visas/sandbox/border/")
    )
    assert all(word in mine for word in family)
    for lang in ("en", "ar"):
        c = web_client_for(outsider, lang=lang)
        for path in ("/visas/", "/visas/sandbox/border/", "/dashboard/"):
            r = c.get(path)
            assert r.status_code == 200, path
            page = r.content.decode()
            assert [word for word in family if word in page] == [], (path, lang)
        border = c.get("/visas/sandbox/border/").content.decode()
        assert re.findall(r'<option value="(\d+)"', border) == [str(outsider.pk)]


@pytest.mark.parametrize("path", ["/visas/", "/visas/1/", "/visas/sandbox/border/", "/visas/apply/?p=1"])
def test_signed_out_goes_to_login(path, client):
    r = client.get(path)
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_the_visas_list_page_runs_a_fixed_number_of_queries(fam, submit, web_client_for, django_assert_max_num_queries):
    head, wife = fam
    pay(submit([(head, "SINGLE", 2), (wife, "MULTIPLE", 3)]))
    c = web_client_for(head)
    c.get("/visas/")
    with django_assert_max_num_queries(30):
        c.get("/visas/")
