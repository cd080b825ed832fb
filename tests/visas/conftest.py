"""A resident head of family and his wife, both able to get a visa; helpers to issue and move visas."""

import datetime as dt

import pytest

from core import dates


@pytest.fixture
def fam(db):
    """(head, wife): residents with iqamas for 400 days, passports for 1,500 days, inside the Kingdom."""
    from tests.factories import FamilyMemberFactory, IqamaFactory, PassportFactory, ResidentFactory

    today = dates.today()
    head = ResidentFactory(name_en="Ahmed Hassan", name_ar="أحمد حسن")
    IqamaFactory(person=head, expiry_date=today + dt.timedelta(days=400))
    PassportFactory(person=head, expiry_date=today + dt.timedelta(days=1500))
    wife = FamilyMemberFactory(head=head, relation="WIFE", person__name_en="Mona Ali", person__name_ar="منى علي", person__gender="F").person
    IqamaFactory(person=wife, expiry_date=today + dt.timedelta(days=400))
    PassportFactory(person=wife, expiry_date=today + dt.timedelta(days=1500))
    return head, wife


@pytest.fixture
def submit(fam):
    """submit([(traveller, type, months)]) -> the application (AWAITING_PAYMENT), applied by the head."""
    from visas.services import application_submit

    head, _wife = fam

    def make(items, person=None):
        return application_submit(person=person or head, items=[{"person_id": p.pk, "type": t, "months": m} for p, t, m in items])

    return make


def pay(application):
    """Pay the application's bill and hand it over as the worker would (eager in tests)."""
    from payments.services import payment_fulfil, payment_mark_paid

    payment_mark_paid(payment_id=application.payment_id, method="CARD", card_last4="1111")
    payment_fulfil(payment_id=application.payment_id)
    application.refresh_from_db()
    return application


@pytest.fixture
def issued(fam, submit):
    """The head's single visa for 2 months, paid and issued."""
    head, _wife = fam
    app = pay(submit([(head, "SINGLE", 2)]))
    return app.visas.get()
