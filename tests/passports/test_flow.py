"""The family iqama renewal's declared flow (passports.flow.IQAMA_RENEWAL): every legal move does
exactly one thing, every illegal one is 409 INVALID_STATE and changes nothing, a stale version is
409 STALE_VERSION, a failing notification never undoes a move, an outsider is 404 with nothing
changed, and pages, admin and the API ask the table."""

import itertools
import json
import logging

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from core.errors import ApplicationError, NotFound
from core.models import AuditLog
from notifications.models import Notification
from passports.flow import IQAMA_RENEWAL
from passports.models import IqamaRenewal, IqamaRenewalEvent, IqamaRenewalItem
from passports.services import (
    renewal_approve,
    renewal_cancel,
    renewal_close_unpaid,
    renewal_on_paid,
    renewal_process,
    renewal_reject,
    renewal_submit,
)
from payments.api import PaymentOutputSerializer
from payments.models import Payment
from payments.services import payment_mark_paid
from registry.models import FamilyMember, HealthInsurance, Iqama, Person

pytestmark = pytest.mark.django_db

S = IqamaRenewal.Status
ACTIONS = sorted({a for acts in IQAMA_RENEWAL.moves.values() for a in acts})
LEGAL = [(frm, action, to) for frm, acts in IQAMA_RENEWAL.moves.items() for action, to in acts.items()]
ILLEGAL = [
    (status, action)
    for status, action in itertools.product(IQAMA_RENEWAL.statuses, ACTIONS)
    if IQAMA_RENEWAL.target(status, action) is None
]


@pytest.fixture
def fam(db):
    from portal.demo import seed

    out = seed()
    head = Person.objects.get(id_number=out["people"]["head_of_family"]["id_number"])
    members = {k: FamilyMember.objects.select_related("person", "head").get(pk=v["id"]) for k, v in out["dependents"].items()}
    return head, members


@pytest.fixture
def renewal(fam):
    head, m = fam
    return renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 6}])


def in_status(renewal: IqamaRenewal, status: str) -> IqamaRenewal:
    IqamaRenewal.objects.filter(pk=renewal.pk).update(status=status)
    renewal.refresh_from_db()
    return renewal


def state(renewal: IqamaRenewal) -> dict:
    """Everything a move could touch."""
    r = IqamaRenewal.objects.get(pk=renewal.pk)
    return {
        "row": (r.status, r.version, r.updated_at, r.decision_reason, r.decided_by_id, r.stop_reason, r.processing_attempts),
        "history": list(IqamaRenewalEvent.objects.filter(renewal=r).values_list("pk", flat=True)),
        "audit": AuditLog.objects.filter(object_id=str(r.pk), action__startswith="iqama_renewal.").count(),
        "items": list(IqamaRenewalItem.objects.filter(renewal=r).values_list("is_open", "applied_at", "checks_at_payment")),
        "iqamas": list(
            Iqama.objects.filter(person_id__in=IqamaRenewalItem.objects.filter(renewal=r).values("member__person_id"))
            .order_by("pk")
            .values_list("expiry_date", "late_renewal_count", "version")
        ),
        "payment": Payment.objects.filter(pk=r.payment_id).values_list("status", flat=True).first(),
        "notifications": Notification.objects.count(),
    }


# --- the table itself ----------------------------------------------------------------------------
def test_the_table_names_only_real_statuses_and_the_documented_ones():
    assert set(IQAMA_RENEWAL.statuses) == {"AWAITING_PAYMENT", "PROCESSING", "UNDER_REVIEW", "APPROVED", "REJECTED", "CANCELLED"}
    assert {s for s in IQAMA_RENEWAL.statuses if IQAMA_RENEWAL.is_final(s)} == {"APPROVED", "REJECTED", "CANCELLED"}
    assert IQAMA_RENEWAL.statuses_allowing("cancel") == ["AWAITING_PAYMENT"]
    # only a request under review is an officer's to decide; the re-check has its own move
    assert IQAMA_RENEWAL.statuses_allowing("approve") == ["UNDER_REVIEW"] == IQAMA_RENEWAL.statuses_allowing("reject")
    assert IQAMA_RENEWAL.statuses_allowing("auto_approve") == ["PROCESSING"]
    assert len(ILLEGAL) == len(IQAMA_RENEWAL.statuses) * len(ACTIONS) - len(LEGAL) > 0


@pytest.mark.parametrize(("frm", "action", "to"), LEGAL, ids=[f"{f}-{a}" for f, a, _t in LEGAL])
def test_every_legal_move_writes_one_history_row_and_one_audit_row(renewal, admin_user, frm, action, to):
    r = in_status(renewal, frm)
    before = state(r)
    IQAMA_RENEWAL.move(r.pk, action, expected_version=r.version, officer=admin_user, note=f"test {action}")
    after = state(r)
    r.refresh_from_db()
    assert r.status == to and after["row"][1] == before["row"][1] + 1
    new = IqamaRenewalEvent.objects.exclude(pk__in=before["history"]).filter(renewal=r)
    assert [(e.action, e.from_status, e.to_status, e.note, e.officer_id) for e in new] == [
        (action, frm, to, f"test {action}", admin_user.pk)
    ]
    audit = AuditLog.objects.filter(object_id=str(r.pk), action=f"iqama_renewal.{to.lower()}")
    assert audit.count() == 1 and after["audit"] == before["audit"] + 1
    assert audit.get().officer == admin_user


@pytest.mark.parametrize(("status", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_every_illegal_move_is_invalid_state_and_changes_nothing(renewal, admin_user, status, action):
    r = in_status(renewal, status)
    if action == "lapse":  # the lapse path only asks the table once the bill has lapsed
        Payment.objects.filter(pk=r.payment_id).update(status="EXPIRED")
    before = state(r)
    with pytest.raises(ApplicationError) as e:
        IQAMA_RENEWAL.move(r.pk, action, officer=admin_user)
    assert (e.value.code, e.value.status, e.value.details["status"], e.value.details["action"]) == ("INVALID_STATE", 409, status, action)
    # the services that perform the action refuse it too (409) or leave it alone (hand-overs, the worker)
    if action == "cancel":
        with pytest.raises(ApplicationError) as e:
            renewal_cancel(renewal_id=r.pk, head=r.head)
        assert (e.value.code, e.value.status) == ("INVALID_STATE", 409)
    elif action in ("approve", "reject"):
        decide = renewal_approve if action == "approve" else renewal_reject
        with pytest.raises(ApplicationError) as e:
            decide(renewal_id=r.pk, officer=admin_user, reason="because", expected_version=r.version)
        assert (e.value.code, e.value.status) == ("INVALID_STATE", 409)
    elif action == "lapse":
        assert renewal_close_unpaid(renewal_id=r.pk) is False
    elif action in ("auto_approve", "refer"):
        assert renewal_process(renewal_id=r.pk).status == status
    elif action == "pay" and status != S.CANCELLED:  # paid after cancel is refunded: its own test
        renewal_on_paid(payment_id=r.payment_id)
    assert state(r) == before


# --- versions ------------------------------------------------------------------------------------
def test_stale_version_is_409_and_changes_nothing(fam, renewal, admin_user, api_client_for):
    head, _m = fam
    stale = renewal.version - 1
    before = state(renewal)
    for call in (
        lambda: renewal_cancel(renewal_id=renewal.pk, head=head, expected_version=stale),
        lambda: IQAMA_RENEWAL.move(renewal.pk, "cancel", expected_version="not a number"),
    ):
        with pytest.raises(ApplicationError) as e:
            call()
        assert (e.value.code, e.value.status, e.value.details) == ("STALE_VERSION", 409, {"current_version": renewal.version})
    assert state(renewal) == before
    r = in_status(renewal, S.UNDER_REVIEW)
    before = state(r)
    for decide in (renewal_approve, renewal_reject):
        with pytest.raises(ApplicationError) as e:
            decide(renewal_id=r.pk, officer=admin_user, reason="late", expected_version=stale)
        assert (e.value.code, e.value.status, e.value.details) == ("STALE_VERSION", 409, {"current_version": r.version})
    assert state(r) == before
    # the version the head sees in the API is the one a decision must name
    assert api_client_for(head).get(f"/api/v1/passports/iqama-renewals/{r.pk}/").json()["version"] == r.version


# --- notifications never undo a move -------------------------------------------------------------
def test_a_failing_notification_does_not_undo_the_move(fam, admin_user, django_capture_on_commit_callbacks, monkeypatch, caplog):
    head, m = fam
    sent = []

    def broken(**kwargs):
        sent.append(kwargs["event_key"])
        raise RuntimeError("a broken placeholder in a translation")

    monkeypatch.setattr("passports.flow.notification_send", broken)
    r = renewal_submit(head=head, items=[{"dependent_id": m["son_ok"].pk, "months": 6}])
    HealthInsurance.objects.filter(person=m["son_ok"].person).delete()
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        payment_mark_paid(payment_id=r.payment_id, method="SADAD", bank_reference="BR-notify")
    r.refresh_from_db()
    assert r.status == "UNDER_REVIEW"  # the re-check's move committed although its notification failed
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        renewal_reject(renewal_id=r.pk, officer=admin_user, reason="No insurance", expected_version=r.version)
    r.refresh_from_db()
    assert r.status == "REJECTED" and Payment.objects.get(pk=r.payment_id).status == "REFUNDED"
    assert sent == [f"iqama_renewal:{r.pk}:UNDER_REVIEW", f"iqama_renewal:{r.pk}:REJECTED"]
    assert not Notification.objects.filter(kind="iqama_renewal").exists()
    assert AuditLog.objects.filter(object_id=str(r.pk), action="iqama_renewal.rejected").count() == 1


def test_moves_notify_after_commit_only_where_the_head_is_told(fam, django_capture_on_commit_callbacks):
    head, m = fam
    r = renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 3}])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        renewal_cancel(renewal_id=r.pk, head=head)
    assert len(callbacks) == 1  # the flow's notify is queued on commit, never run inside the move
    for cb in callbacks:
        cb()
    assert not Notification.objects.filter(kind="iqama_renewal").exists()  # a cancel tells nobody


# --- outsiders -----------------------------------------------------------------------------------
def test_outsider_cannot_cancel_another_heads_renewal(fam, renewal, outsider, api_client_for, web_client_for):
    before = state(renewal)
    with pytest.raises(NotFound):
        renewal_cancel(renewal_id=renewal.pk, head=outsider)
    r = api_client_for(outsider).post(f"/api/v1/passports/iqama-renewals/{renewal.pk}/cancel/")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    assert web_client_for(outsider).post(reverse("passports:cancel", kwargs={"pk": renewal.pk})).status_code == 404
    assert state(renewal) == before
    assert IqamaRenewalItem.objects.filter(renewal=renewal, is_open=True).count() == 1


# --- pages, admin and the API ask the table --------------------------------------------------
@pytest.mark.parametrize("status", [s for s, _label in S.choices])
def test_detail_page_offers_cancel_and_payment_only_where_the_table_allows(fam, renewal, web_client_for, status):
    head, _m = fam
    r = in_status(renewal, status)
    page = web_client_for(head).get(reverse("passports:detail", kwargs={"pk": r.pk})).content.decode()
    assert ('data-testid="cancel"' in page) is IQAMA_RENEWAL.can(r, "cancel")
    assert ('data-testid="payment"' in page) is IQAMA_RENEWAL.can(r, "pay")


@pytest.mark.parametrize("status", [s for s, _label in S.choices])
def test_admin_offers_a_decision_only_where_the_table_allows(renewal, admin_client, status):
    r = in_status(renewal, status)
    lst = admin_client.get(reverse("admin:passports_iqamarenewal_changelist")).content.decode()
    decide_url = reverse("admin:passports_iqamarenewal_decide", args=[r.pk])
    assert (decide_url in lst) is (status == "UNDER_REVIEW")
    page = admin_client.get(decide_url).content.decode()
    assert ('name="reason"' in page) is (status == "UNDER_REVIEW")


def test_api_renewal_nests_the_one_payment_shape(fam, renewal, api_client_for):
    head, _m = fam
    body = api_client_for(head).get(f"/api/v1/passports/iqama-renewals/{renewal.pk}/").json()
    payment = Payment.objects.get(pk=renewal.payment_id)
    with translation.override("en"):  # the API answers in English unless asked otherwise
        assert body["payment"] == json.loads(JSONRenderer().render(PaymentOutputSerializer(payment).data))
    assert {"card_last4", "refunded_at"} <= set(body["payment"])
    assert [(h["status"], h["action"]) for h in body["history"]] == [("AWAITING_PAYMENT", "submit")]
    listed = api_client_for(head).get("/api/v1/passports/iqama-renewals/").json()["renewals"]
    assert listed == [body]
