"""The delivery step in Chromium (the page's script): no list shows before a method is chosen,
postal delivery shows only the address list with the only deliverable address chosen already,
pickup only the offices; continuing with postal delivery goes on to the payment. Arabic page:
the address reads in Arabic."""

import pytest

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize(("lang", "words"), [("en", "Olaya, Riyadh"), ("ar", "العليا، الرياض")])
def test_delivery_step_in_the_browser(browser, live_server, session_cookie_for, lang, words):
    from civil_affairs.models import IdRenewal
    from tests.civil_affairs.test_card_journey import make_renewal
    from tests.factories import AddressFactory, OfficeFactory, PersonFactory

    person = PersonFactory()
    good = AddressFactory(person=person, deliverable=True)
    AddressFactory(person=person, deliverable=False, is_primary=False, short_address="FARA0001")
    OfficeFactory()
    renewal = make_renewal("AWAITING_DELIVERY_CHOICE", person=person, check_status="PASSED")
    ctx = browser.new_context(viewport={"width": 390, "height": 900})
    ctx.add_cookies([session_cookie_for(person), {"name": "absher_lang", "value": lang, "url": live_server.url}])
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/civil-affairs/id-renewal/{renewal.pk}/")
    address, office = page.get_by_test_id("address-select"), page.get_by_test_id("office-select")
    assert not address.is_visible() and not office.is_visible()  # nothing chosen yet: no list
    page.get_by_test_id("method-pickup").check()
    assert office.is_visible() and not address.is_visible()
    page.get_by_test_id("method-post").check()
    assert address.is_visible() and not office.is_visible()
    assert address.input_value() == str(good.pk) and words in address.locator("option:checked").inner_text()
    assert page.get_by_test_id("undeliverable").is_visible()
    page.get_by_test_id("delivery-submit").click()
    page.get_by_test_id("payment").wait_for()
    renewal = IdRenewal.objects.get(pk=renewal.pk)
    assert (renewal.status, renewal.delivery_method, renewal.address_id) == ("AWAITING_PAYMENT", "POST", good.pk)
    assert words in page.get_by_test_id("tracking-address").inner_text()
    ctx.close()
