"""Races that the database must settle: two starts for one ID number, two first reads of a
COMPLETED request, two answers to one request. Real threads, real connections."""

import pytest

from nafath import services
from nafath.models import AccessToken, NafathRequest
from tests.race import run_race


def _race(fn, n=2):
    """The shared harness (tests/race.py), outcomes as ("ok", value) or ("err", code)."""
    return [("ok", o.value) if o.ok else ("err", o.code) for o in run_race(fn, n)]


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Rate-limit counters of this test only: the same cache backend (Redis when REDIS_URL is
    set) under a key prefix of its own, so nothing is flushed for anyone else."""
    import uuid as _uuid

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"nafath-test-{_uuid.uuid4().hex}"}}
    yield


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_starts_make_one_waiting_request():
    from tests.factories import PersonFactory

    p = PersonFactory()
    results = _race(lambda i: services.nafath_request_start(id_number=p.id_number, ip=f"10.0.0.{i}").pk, n=4)
    assert sorted(r[0] for r in results) == ["err", "err", "err", "ok"]
    assert {r[1] for r in results if r[0] == "err"} == {"NAFATH_REQUEST_OPEN"}
    assert NafathRequest.objects.filter(id_number=p.id_number, status="WAITING").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_first_reads_get_one_token():
    from tests.factories import PersonFactory

    p = PersonFactory()
    device, _ = services.device_register(person=p, pin="1234")
    req = services.nafath_request_start(id_number=p.id_number, ip="1.1.1.1")
    services.nafath_request_answer(device=device, transaction_id=req.transaction_id, choice=str(req.random_number))
    results = _race(lambda i: services.nafath_request_token_claim(req=NafathRequest.objects.get(pk=req.pk)) is not None, n=4)
    assert sorted(r[1] for r in results) == [False, False, False, True]
    assert AccessToken.objects.filter(person=p).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_answers_settle_once():
    from tests.factories import PersonFactory

    p = PersonFactory()
    device, _ = services.device_register(person=p, pin="1234")
    req = services.nafath_request_start(id_number=p.id_number, ip="1.1.1.1")
    wrong = next(c for c in req.choices if c != str(req.random_number))
    picks = [str(req.random_number), wrong]
    results = _race(lambda i: services.nafath_request_answer(device=device, transaction_id=req.transaction_id, choice=picks[i]).status)
    oks = [r for r in results if r[0] == "ok"]
    assert len(oks) == 1 and [r[1] for r in results if r[0] == "err"] == ["NAFATH_REQUEST_CLOSED"]
    assert NafathRequest.objects.get(pk=req.pk).status == oks[0][1]
