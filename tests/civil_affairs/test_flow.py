"""The ID renewal's transition table (civil_affairs.flow.ID_RENEWAL) and the one helper that
performs its moves: every (status, action) pair is either the table's move or refused with
409 INVALID_STATE leaving the row, its history and the audit untouched; a stale version is
409 STALE_VERSION; a failing notification after commit never undoes a move."""

import itertools
import uuid

import pytest
from django.urls import reverse

from civil_affairs import flow as flow_module
from civil_affairs import services
from civil_affairs.api import renewal_output
from civil_affairs.flow import ID_RENEWAL, MOVES, card_next_action, status_tone
from civil_affairs.models import IdRenewal, IdRenewalEvent
from core.errors import ApplicationError
from core.models import AuditLog
from notifications.models import Notification
from payments.services import LineItem, payment_create
from tests.factories import PersonFactory

S = IdRenewal.Status
ALL_ACTIONS = sorted({a for acts in MOVES.values() for a in acts})
PAIRS = list(itertools.product(S.values, ALL_ACTIONS))


def make_renewal(status: str = S.PHOTO_CHECK, person=None, **fields) -> IdRenewal:
    return IdRenewal.objects.create(
        person=person or PersonFactory(), reference="IDR-" + uuid.uuid4().hex[:10].upper(), status=status, photo_sha256="0" * 64, **fields
    )


def snapshot(renewal: IdRenewal):
    row = IdRenewal.objects.get(pk=renewal.pk)
    return (
        row.status,
        row.version,
        IdRenewalEvent.objects.filter(renewal=renewal).count(),
        AuditLog.objects.filter(object_type="civil_affairs.idrenewal", object_id=str(renewal.pk)).count(),
    )


# --- the table itself -------------------------------------------------------------------------
def test_the_table_covers_every_status_and_the_model_agrees():
    in_table = set(MOVES) | {to for acts in MOVES.values() for to in acts.values()}
    assert in_table == set(S.values)
    finals = {s for s in S.values if ID_RENEWAL.is_final(s)}
    assert finals == set(IdRenewal.FINAL_STATUSES) == {"PHOTO_REJECTED", "DELIVERED", "COLLECTED", "REJECTED", "CANCELLED"}
    assert set(S.values) - finals == set(IdRenewal.OPEN_STATUSES)
    # the partial unique constraint is over exactly the open statuses
    constraint = next(c for c in IdRenewal._meta.constraints if c.name == "one_open_id_renewal_per_person")
    assert constraint.condition.children == [("status__in", list(IdRenewal.OPEN_STATUSES))]
    # every status is reachable from the first one
    seen, todo = set(), [S.PHOTO_CHECK.value]
    while todo:
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo.extend(MOVES.get(s, {}).values())
    assert seen == set(S.values)


def test_status_tone_and_card_next_action_read_the_table():
    assert {s for s in S.values if status_tone(s) == "bad"} == {"PHOTO_REJECTED", "REJECTED", "CANCELLED"}
    assert {s for s in S.values if status_tone(s) == "ok"} == {
        "APPROVED",
        "PRINTING",
        "OUT_FOR_DELIVERY",
        "READY_FOR_PICKUP",
        "DELIVERED",
        "COLLECTED",
    }
    printing = IdRenewal(status=S.PRINTING, delivery_method=IdRenewal.Delivery.POST)
    assert card_next_action(printing) == "dispatch"
    printing.delivery_method = IdRenewal.Delivery.PICKUP
    assert card_next_action(printing) == "ready"
    assert card_next_action(IdRenewal(status=S.APPROVED)) == "print"
    assert card_next_action(IdRenewal(status=S.UNDER_REVIEW)) is None


# --- every pair: the table's move, or refused -------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(("status", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_status_and_action(status, action):
    renewal = make_renewal(status)
    before = snapshot(renewal)
    target = MOVES.get(status, {}).get(action)
    if target is None:
        with pytest.raises(ApplicationError) as exc:
            ID_RENEWAL.move(renewal.pk, action)
        assert (exc.value.code, exc.value.status) == ("INVALID_STATE", 409)
        assert exc.value.details == {"status": status, "action": action}
        assert snapshot(renewal) == before
        return
    ID_RENEWAL.move(renewal.pk, action)
    row = IdRenewal.objects.get(pk=renewal.pk)
    assert (row.status, row.version) == (target, before[1] + 1)
    event = IdRenewalEvent.objects.get(renewal=renewal)
    assert (event.action, event.from_status, event.to_status) == (action, status, target)
    audit = AuditLog.objects.get(object_type="civil_affairs.idrenewal", object_id=str(renewal.pk))
    assert (audit.action, audit.from_status, audit.to_status) == (f"id_renewal.{target.lower()}", status, target)


# --- services refuse an illegal move and change nothing -----------------------------------------
@pytest.mark.django_db
def test_cancel_after_approval_refused(person):
    renewal = make_renewal(S.APPROVED, person=person)
    before = snapshot(renewal)
    with pytest.raises(ApplicationError) as exc:
        services.renewal_cancel(person=person, renewal_id=renewal.pk)
    assert exc.value.code == "INVALID_STATE" and exc.value.status == 409
    assert snapshot(renewal) == before


@pytest.mark.django_db
def test_officer_approve_only_under_review(admin_user):
    """The officer's `approve` exists only from UNDER_REVIEW; IN_PROCESS is decided automatically."""
    renewal = make_renewal(S.IN_PROCESS)
    before = snapshot(renewal)
    with pytest.raises(ApplicationError) as exc:
        services.renewal_approve(renewal_id=renewal.pk, officer=admin_user, expected_version=renewal.version)
    assert exc.value.code == "INVALID_STATE"
    assert snapshot(renewal) == before


# --- stale versions ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_stale_version_is_409_and_changes_nothing(admin_user):
    renewal = make_renewal(S.UNDER_REVIEW)
    IdRenewal.objects.filter(pk=renewal.pk).update(version=3)
    before = snapshot(renewal)
    for call in (
        lambda: services.renewal_approve(renewal_id=renewal.pk, officer=admin_user, expected_version=2),
        lambda: services.renewal_reject(renewal_id=renewal.pk, officer=admin_user, reason="Not you", expected_version=2),
        lambda: services.renewal_reject(renewal_id=renewal.pk, officer=admin_user, reason="Not you", expected_version="junk"),
    ):
        with pytest.raises(ApplicationError) as exc:
            call()
        assert (exc.value.code, exc.value.status, exc.value.details) == ("STALE_VERSION", 409, {"current_version": 3})
        assert snapshot(renewal) == before
    services.renewal_reject(renewal_id=renewal.pk, officer=admin_user, reason="Not you", expected_version=3)
    assert snapshot(renewal) == ("REJECTED", 4, 1, 1)


def test_admin_stale_version_shows_the_conflict(admin_client, db):
    renewal = make_renewal(S.UNDER_REVIEW)
    IdRenewal.objects.filter(pk=renewal.pk).update(version=2)  # another officer moved it meanwhile
    url = reverse("admin:civil_affairs_idrenewal_review", args=[renewal.pk])
    admin_client.cookies["absher_lang"] = "en"
    r = admin_client.post(url, {"decision": "approve", "version": 1})
    assert r.status_code == 400
    assert "Someone else changed this request" in r.content.decode()
    assert IdRenewal.objects.get(pk=renewal.pk).status == "UNDER_REVIEW"


# --- a failing notification never undoes a move -------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_failing_notification_after_commit_keeps_the_move(monkeypatch, caplog):
    person = PersonFactory()
    renewal = make_renewal(S.AWAITING_DELIVERY_CHOICE, person=person)
    calls = []

    def broken(**kwargs):
        calls.append(kwargs["event_key"])
        raise RuntimeError("notification store is down")

    monkeypatch.setattr(flow_module, "notification_send", broken)
    services.renewal_cancel(person=person, renewal_id=renewal.pk)  # autocommit: on_commit runs now
    assert calls == [f"id_renewal:{renewal.pk}:CANCELLED"]  # the notifier did run, and raised
    row = IdRenewal.objects.get(pk=renewal.pk)
    assert row.status == "CANCELLED" and row.version == 2
    assert list(IdRenewalEvent.objects.filter(renewal=renewal).values_list("to_status", flat=True)) == ["CANCELLED"]
    assert AuditLog.objects.filter(action="id_renewal.cancelled", object_id=str(renewal.pk)).count() == 1
    assert not Notification.objects.filter(person=person).exists()
    assert "notification store is down" in caplog.text


# --- pages ask the table ----------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "cancel_shown"),
    [(S.AWAITING_DELIVERY_CHOICE, True), (S.AWAITING_PAYMENT, True), (S.IN_PROCESS, False), (S.CANCELLED, False)],
)
def test_detail_page_offers_cancel_only_when_the_table_allows(web_client_for, person, status, cancel_shown):
    renewal = make_renewal(status, person=person)
    html = web_client_for(person).get(reverse("civil_affairs:detail", kwargs={"pk": renewal.pk})).content.decode()
    assert ('data-testid="cancel"' in html) is cancel_shown
    assert f'data-status="{status}"' in html


# --- the API renders through serializers ---------------------------------------------------------------
@pytest.mark.django_db
def test_detail_nests_the_one_payment_shape_and_the_page_polls_the_same(api_client_for, web_client_for, person):
    renewal = make_renewal(S.AWAITING_DELIVERY_CHOICE, person=person)
    payment = payment_create(
        person=person,
        purpose="id_renewal",
        object_id=str(renewal.pk),
        items=[LineItem("ID_DELIVERY_FEE", "DELIVERY", "رسوم", "Delivery", "17.50")],
    )
    IdRenewal.objects.filter(pk=renewal.pk).update(payment=payment, status=S.AWAITING_PAYMENT, delivery_method="PICKUP")
    body = api_client_for(person).get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/").json()
    assert body["payment"] == api_client_for(person).get(f"/api/v1/payments/{payment.pk}/").json()
    assert {"card_last4", "refunded_at"} <= set(body["payment"])
    assert body["delivery"] == {"method": "PICKUP", "address_id": None, "office_id": None, "address": None, "office": None}
    assert body["card"] is None and body["decision_reason"] is None
    live = web_client_for(person).get(reverse("civil_affairs:status_json", kwargs={"pk": renewal.pk})).json()
    assert live == body
    assert set(renewal_output(IdRenewal.objects.get(pk=renewal.pk))) == set(body)
