"""The visa's declared flow (visas.flow.VISA) and what moves it: payment, the sandbox border, the
periodic lapse with its fine, the warning before, cancellation, officers' waivers; notifications."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from core import dates
from core.errors import ApplicationError, NotFound
from core.models import AuditLog
from notifications.models import Notification
from payments.models import Payment
from payments.services import payment_expire, payment_lapse_handover
from registry.models import Fine, Person
from tests.visas.conftest import pay
from visas.flow import VISA
from visas.models import BorderCrossing, Visa, VisaEvent
from visas.services import (
    application_on_paid,
    border_crossing_record,
    visa_cancel,
    visa_expire_unused,
    visa_fine_waive,
    visa_lapse_sweep,
    visa_lapse_warning_sweep,
)

pytestmark = pytest.mark.django_db
S = Visa.Status
ACTIONS = sorted({a for acts in VISA.moves.values() for a in acts})
LEGAL = [(frm, action, to) for frm, acts in VISA.moves.items() for action, to in acts.items()]
ILLEGAL = [(s, a) for s, a in itertools.product(VISA.statuses, ACTIONS) if VISA.target(s, a) is None]


def test_the_table():
    assert VISA.moves == {
        "AWAITING_PAYMENT": {"pay": "ISSUED", "cancel": "CANCELLED", "lapse": "CANCELLED"},
        "ISSUED": {"exit": "USED_EXIT", "cancel": "CANCELLED", "expire_unused": "LAPSED"},
        "USED_EXIT": {"return": "RETURNED", "extend": "USED_EXIT"},
        "RETURNED": {"exit": "USED_EXIT"},
    }
    assert VISA.is_final("LAPSED") and VISA.is_final("CANCELLED")


def _in(visa, status):
    Visa.objects.filter(pk=visa.pk).update(status=status)
    visa.refresh_from_db()
    return visa


@pytest.mark.parametrize("frm,action,to", LEGAL)
def test_every_legal_move_writes_one_history_and_one_audit_row(frm, action, to, issued):
    visa = _in(issued, frm)
    events, audits, version = (
        VisaEvent.objects.filter(visa=visa).count(),
        AuditLog.objects.filter(action=f"visa.{to.lower()}").count(),
        visa.version,
    )
    VISA.move(visa.pk, action)
    visa.refresh_from_db()
    assert (visa.status, visa.version) == (to, version + 1)
    assert VisaEvent.objects.filter(visa=visa).count() == events + 1
    last = VisaEvent.objects.filter(visa=visa).last()
    assert (last.action, last.from_status, last.to_status) == (action, frm, to)
    assert AuditLog.objects.filter(action=f"visa.{to.lower()}").count() == audits + 1


@pytest.mark.parametrize("status,action", ILLEGAL)
def test_every_illegal_move_is_409_and_changes_nothing(status, action, issued):
    visa = _in(issued, status)
    before = (visa.status, visa.version, VisaEvent.objects.count(), AuditLog.objects.count())
    with pytest.raises(ApplicationError) as e:
        VISA.move(visa.pk, action)
    assert (e.value.code, e.value.status) == ("INVALID_STATE", 409)
    visa.refresh_from_db()
    assert (visa.status, visa.version, VisaEvent.objects.count(), AuditLog.objects.count()) == before


# --- payment ---------------------------------------------------------------------------------------
def test_payment_issues_every_visa_with_number_dates_and_notifications(fam, submit, django_capture_on_commit_callbacks):
    head, wife = fam
    with django_capture_on_commit_callbacks(execute=True):
        app = pay(submit([(head, "SINGLE", 2), (wife, "MULTIPLE", 6)]))
    today = dates.today()
    h, w = app.visas.order_by("pk")
    assert (h.status, w.status) == ("ISSUED", "ISSUED")
    assert h.number != w.number and len(h.number) == 10 and h.number.isdigit()
    assert (h.valid_until, h.use_by) == (dates.add_months(today, 2), dates.add_months(today, 2))
    assert (w.valid_until, w.use_by) == (dates.add_months(today, 6), dates.add_months(today, 3))
    # The applicant hears of both; the wife of her own.
    assert Notification.objects.filter(person=head, kind="visa", event_key__contains=":ISSUED").count() == 2
    assert Notification.objects.filter(person=wife, kind="visa", event_key__contains=":ISSUED").count() == 1
    n = Notification.objects.get(person=wife, kind="visa")
    assert w.number in n.body_en and "Mona Ali" in n.body_en and "منى علي" in n.body_ar


def test_paying_twice_issues_once(fam, submit):
    head, _ = fam
    app = pay(submit([(head, "SINGLE", 2)]))
    number = app.visas.get().number
    application_on_paid(payment_id=app.payment_id)
    assert app.visas.get().number == number and VisaEvent.objects.filter(action="pay").count() == 1


def test_a_bill_paid_after_the_application_was_cancelled_is_refunded(fam, submit):
    head, _ = fam
    app = submit([(head, "SINGLE", 2)])
    Visa.objects.filter(application=app).update(status="CANCELLED")
    Payment.objects.filter(pk=app.payment_id).update(status="PAID", paid_at=timezone.now())
    application_on_paid(payment_id=app.payment_id)
    assert Payment.objects.get(pk=app.payment_id).status == "REFUNDED"
    assert app.visas.get().status == "CANCELLED"


def test_an_expired_bill_closes_the_application(fam, submit):
    head, _ = fam
    app = submit([(head, "SINGLE", 2)])
    Payment.objects.filter(pk=app.payment_id).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    assert payment_expire(payment_id=app.payment_id) is True
    payment_lapse_handover(payment_id=app.payment_id)
    v = app.visas.get()
    assert v.status == "CANCELLED" and v.events.last().action == "lapse"


# --- the border -------------------------------------------------------------------------------------
def test_single_visa_exit_and_return_then_no_second_exit(issued, fam, django_capture_on_commit_callbacks):
    head, _ = fam
    with django_capture_on_commit_callbacks(execute=True):
        c = border_crossing_record(actor=head, person_id=head.pk, direction="EXIT", port="KFIA")
    issued.refresh_from_db()
    head.refresh_from_db()
    assert (issued.status, head.inside_kingdom, c.visa_id) == ("USED_EXIT", False, issued.pk)
    with django_capture_on_commit_callbacks(execute=True):
        border_crossing_record(actor=head, person_id=head.pk, direction="RETURN")
    issued.refresh_from_db()
    head.refresh_from_db()
    assert (issued.status, head.inside_kingdom) == ("RETURNED", True)
    with pytest.raises(ApplicationError) as e:
        border_crossing_record(actor=head, person_id=head.pk, direction="EXIT")
    assert e.value.code == "NO_VALID_VISA"
    head.refresh_from_db()
    assert head.inside_kingdom is True and BorderCrossing.objects.count() == 2
    assert Notification.objects.filter(person=head, event_key__contains=":USED_EXIT").count() == 1
    assert Notification.objects.filter(person=head, event_key__contains=":RETURNED").count() == 1


def test_multiple_visa_exits_again_while_valid(fam, submit, django_capture_on_commit_callbacks):
    head, wife = fam
    visa = pay(submit([(wife, "MULTIPLE", 3)])).visas.get()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            border_crossing_record(actor=head, person_id=wife.pk, direction="EXIT")
        with django_capture_on_commit_callbacks(execute=True):
            border_crossing_record(actor=head, person_id=wife.pk, direction="RETURN")
    visa.refresh_from_db()
    assert visa.status == "RETURNED"
    assert list(visa.events.values_list("action", flat=True)) == ["submit", "pay", "exit", "return", "exit", "return"]
    # Each exit and return told once (two trips: two of each).
    assert Notification.objects.filter(person=wife, event_key__contains=":USED_EXIT").count() == 2
    Visa.objects.filter(pk=visa.pk).update(valid_until=dates.today() - dt.timedelta(days=1))
    with pytest.raises(ApplicationError) as e:
        border_crossing_record(actor=head, person_id=wife.pk, direction="EXIT")
    assert e.value.code == "NO_VALID_VISA"


@pytest.mark.parametrize(
    "setup,direction,code",
    [
        ("none", "EXIT", "NO_VALID_VISA"),
        ("outside", "EXIT", "ALREADY_OUTSIDE"),
        ("inside", "RETURN", "ALREADY_INSIDE"),
        ("none", "SIDEWAYS", "INVALID_DIRECTION"),
    ],
)
def test_border_refusals_change_nothing(setup, direction, code, fam):
    head, wife = fam
    if setup == "outside":
        Person.objects.filter(pk=wife.pk).update(inside_kingdom=False)
    before = list(Person.objects.order_by("pk").values_list("inside_kingdom", "version"))
    with pytest.raises(ApplicationError) as e:
        border_crossing_record(actor=head, person_id=wife.pk, direction=direction)
    assert e.value.code == code
    assert list(Person.objects.order_by("pk").values_list("inside_kingdom", "version")) == before
    assert BorderCrossing.objects.count() == 0


def test_border_for_someone_not_of_the_family_is_404(issued, fam, outsider):
    head, _ = fam
    with pytest.raises(NotFound):
        border_crossing_record(actor=outsider, person_id=head.pk, direction="EXIT")
    issued.refresh_from_db()
    head.refresh_from_db()
    assert (issued.status, head.inside_kingdom, BorderCrossing.objects.count()) == ("ISSUED", True, 0)


def test_an_issued_visa_past_its_use_by_day_cannot_be_used(issued, fam):
    head, _ = fam
    Visa.objects.filter(pk=issued.pk).update(use_by=dates.today() - dt.timedelta(days=1))
    with pytest.raises(ApplicationError) as e:
        border_crossing_record(actor=head, person_id=head.pk, direction="EXIT")
    assert e.value.code == "NO_VALID_VISA"


# --- lapse, fine, warning -------------------------------------------------------------------------
def _age(visa, days_past_use_by=1):
    Visa.objects.filter(pk=visa.pk).update(use_by=dates.today() - dt.timedelta(days=days_past_use_by))


def test_lapse_creates_the_fine_by_repeat_and_notifies(fam, submit, django_capture_on_commit_callbacks):
    from fines.selectors import outstanding_for_person

    head, wife = fam
    amounts = []
    for _ in range(4):
        visa = pay(submit([(wife, "SINGLE", 2)])).visas.get()
        assert visa_lapse_sweep() == 0  # not yet
        _age(visa)
        with django_capture_on_commit_callbacks(execute=True):
            assert visa_lapse_sweep() == 1
        assert visa_lapse_sweep() == 0  # twice: nothing more
        visa.refresh_from_db()
        assert visa.status == "LAPSED" and visa.fine.kind == "visa" and visa.fine.person_id == wife.pk
        amounts.append(visa.fine.amount)
        rows = [r for r in outstanding_for_person(person=head) if r.obj.pk == visa.fine_id]
        assert len(rows) == 1 and rows[0].type == "visa_fine"
        Fine.objects.filter(pk=visa.fine_id).update(paid_at=timezone.now(), paid_by="PAY-TEST")  # paid: the next visa may go
    assert amounts == [Decimal("1000.00"), Decimal("2000.00"), Decimal("3000.00"), Decimal("3000.00")]
    assert Notification.objects.filter(person=head, event_key__contains=":LAPSED").count() == 4
    assert "1000.00" in Notification.objects.filter(person=head, event_key__contains=":LAPSED").order_by("pk").first().body_en
    assert AuditLog.objects.filter(action="visa.fine_created").count() == 4


def test_a_cancelled_or_used_visa_never_lapses(fam, submit):
    head, wife = fam
    v1 = pay(submit([(head, "SINGLE", 2)])).visas.get()
    v2 = pay(submit([(wife, "SINGLE", 2)])).visas.get()
    visa_cancel(person=head, visa_id=v1.pk)
    border_crossing_record(actor=head, person_id=wife.pk, direction="EXIT")
    _age(v1)
    _age(v2)
    assert visa_lapse_sweep() == 0
    assert visa_expire_unused(visa_id=v1.pk) is False and visa_expire_unused(visa_id=v2.pk) is False
    assert Fine.objects.filter(kind="visa").count() == 0


def test_warning_once_seven_days_before_lapsing(fam, submit, settings):
    head, wife = fam
    visa = pay(submit([(wife, "SINGLE", 2)])).visas.get()
    Visa.objects.filter(pk=visa.pk).update(use_by=dates.today() + dt.timedelta(days=settings.VISA_LAPSE_WARNING_DAYS + 1))
    assert visa_lapse_warning_sweep() == 0
    Visa.objects.filter(pk=visa.pk).update(use_by=dates.today() + dt.timedelta(days=settings.VISA_LAPSE_WARNING_DAYS))
    assert visa_lapse_warning_sweep() == 1
    assert visa_lapse_warning_sweep() == 0
    warned = Notification.objects.filter(event_key__contains=":lapse_warning")
    assert sorted(warned.values_list("person_id", flat=True)) == sorted([head.pk, wife.pk])
    assert "1000.00" in warned.first().body_en and visa.number in warned.first().body_en


def test_an_officer_waives_the_fine_with_a_reason_audited(fam, submit, django_user_model):
    from fines.selectors import outstanding_for_person

    head, wife = fam
    officer = django_user_model.objects.create_user("off", password="x", is_staff=True, is_superuser=True)
    visa = pay(submit([(wife, "SINGLE", 2)])).visas.get()
    _age(visa)
    visa_lapse_sweep()
    with pytest.raises(ApplicationError) as e:
        visa_fine_waive(visa_id=visa.pk, officer=officer, reason="  ")
    assert e.value.code == "REASON_REQUIRED" and Fine.objects.get(kind="visa").paid_at is None
    visa_fine_waive(visa_id=visa.pk, officer=officer, reason="Hospitalised, medical report seen")
    fine = Fine.objects.get(kind="visa")
    assert fine.paid_at is not None and fine.paid_by == "WAIVED"
    assert [r for r in outstanding_for_person(person=head) if r.obj.kind == "visa"] == []
    a = AuditLog.objects.get(action="visa.fine_waived")
    assert (a.officer_id, a.data["reason"], a.data["amount"]) == (officer.pk, "Hospitalised, medical report seen", "1000.00")
    assert VisaEvent.objects.filter(visa=visa, action="fine_waived", officer=officer).count() == 1
    with pytest.raises(ApplicationError) as e:
        visa_fine_waive(visa_id=visa.pk, officer=officer, reason="again")
    assert e.value.code == "FINE_SETTLED"


def test_admin_search_history_and_waiver(fam, submit, admin_client, outsider):
    head, wife = fam
    visa = pay(submit([(wife, "SINGLE", 2)])).visas.get()
    r = admin_client.get(f"/admin/visas/visa/?q={visa.number}")
    assert r.status_code == 200 and visa.number in r.content.decode()
    r = admin_client.get(f"/admin/visas/visa/?q={wife.id_number}")
    assert visa.number in r.content.decode()
    r = admin_client.get(f"/admin/visas/visa/?q={head.id_number}")  # the applicant's ID number finds it too
    assert visa.number in r.content.decode()
    r = admin_client.get(f"/admin/visas/visa/?q={outsider.id_number}")
    assert visa.number not in r.content.decode()
    page = admin_client.get(f"/admin/visas/visa/{visa.pk}/change/").content.decode()
    assert "submit" in page and "pay" in page  # the history inline
    _age(visa)
    visa_lapse_sweep()
    r = admin_client.post(f"/admin/visas/visa/{visa.pk}/waive-fine/", {"reason": "Officer's decision"})
    assert r.status_code == 302
    assert Fine.objects.get(kind="visa").paid_by == "WAIVED"
    assert admin_client.get("/admin/visas/bordercrossing/").status_code == 200


def test_admin_border_records_and_the_waiver_form_audited(fam, submit, admin_client, admin_user, outsider):
    """Officers see the border crossings (list, searchable by ID number and visa number, and inline on the
    visa); the waiver form refuses an empty reason, and a waiver through it is audited with the officer."""
    head, wife = fam
    visa = pay(submit([(wife, "MULTIPLE", 3)])).visas.get()
    border_crossing_record(actor=head, person_id=wife.pk, direction="EXIT", port="King Fahd Causeway")
    border_crossing_record(actor=head, person_id=wife.pk, direction="RETURN", port="King Fahd Causeway")
    page = admin_client.get("/admin/visas/bordercrossing/").content.decode()
    assert page.count("King Fahd Causeway") == 2 and wife.id_number in page
    for q in (wife.id_number, visa.number):
        assert "King Fahd Causeway" in admin_client.get(f"/admin/visas/bordercrossing/?q={q}").content.decode(), q
    assert "King Fahd Causeway" not in admin_client.get(f"/admin/visas/bordercrossing/?q={outsider.id_number}").content.decode()
    change = admin_client.get(f"/admin/visas/visa/{visa.pk}/change/").content.decode()
    assert "King Fahd Causeway" in change  # the crossings inline, beside the history
    assert f'href="/admin/visas/visa/{visa.pk}/waive-fine/"' not in admin_client.get("/admin/visas/visa/").content.decode()

    lapsed = pay(submit([(head, "SINGLE", 2)])).visas.get()
    _age(lapsed)
    visa_lapse_sweep()
    lapsed.refresh_from_db()
    listing = admin_client.get(f"/admin/visas/visa/?q={lapsed.number}").content.decode()
    assert f'href="/admin/visas/visa/{lapsed.pk}/waive-fine/"' in listing
    assert lapsed.fine.reference in admin_client.get(f"/admin/visas/visa/{lapsed.pk}/waive-fine/").content.decode()
    r = admin_client.post(f"/admin/visas/visa/{lapsed.pk}/waive-fine/", {"reason": ""})
    assert r.status_code == 200 and Fine.objects.get(pk=lapsed.fine_id).paid_at is None
    assert not AuditLog.objects.filter(action="visa.fine_waived").exists()
    r = admin_client.post(f"/admin/visas/visa/{lapsed.pk}/waive-fine/", {"reason": "Flight cancelled, airline letter seen"})
    assert r.status_code == 302
    fine = Fine.objects.get(pk=lapsed.fine_id)
    assert (fine.paid_by, fine.paid_at is not None) == ("WAIVED", True)
    a = AuditLog.objects.get(action="visa.fine_waived")
    assert (a.officer_id, a.data["reason"], a.data["fine"], a.data["amount"]) == (
        admin_user.pk,
        "Flight cancelled, airline letter seen",
        fine.reference,
        "1000.00",
    )
    lapsed.refresh_from_db()
    assert (lapsed.fine_waived_by_id, lapsed.fine_waive_reason) == (admin_user.pk, "Flight cancelled, airline letter seen")
    history = admin_client.get(f"/admin/visas/visa/{lapsed.pk}/change/").content.decode()
    assert "fine_waived" in history and "Flight cancelled, airline letter seen" in history


def test_a_non_staff_user_cannot_waive(fam, submit, client, django_user_model):
    _head, wife = fam
    visa = pay(submit([(wife, "SINGLE", 2)])).visas.get()
    _age(visa)
    visa_lapse_sweep()
    u = django_user_model.objects.create_user("clerk", password="pw", is_staff=False)
    client.force_login(u)
    r = client.post(f"/admin/visas/visa/{visa.pk}/waive-fine/", {"reason": "x"})
    assert r.status_code == 302 and "/login/" in r["Location"]
    assert Fine.objects.get(kind="visa").paid_at is None
