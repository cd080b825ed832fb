"""The officers' admin at national scale (core/admin_scale.py, issue 12): an ID number or a reference
is an exact lookup (never LIKE over the table), a name is matched word by word in both scripts, no
full count of a huge table, list filters on free-text columns without a pass over the table, and the
migrations (trigram indexes included) still apply on SQLite."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.admin_scale import EstimatedCountPaginator, distinct_values, estimated_count
from payments.models import Payment
from portal.demo import seed
from registry.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _person_queries(ctx):
    return [q["sql"] for q in ctx.captured_queries if 'FROM "registry_person"' in q["sql"]]


@pytest.mark.parametrize("term", ["2012345670", "٢٠١٢٣٤٥٦٧٠", " 2012345670 "])
def test_an_id_number_is_an_exact_lookup(admin_client, term):
    seed()
    with CaptureQueriesContext(connection) as ctx:
        html = admin_client.get("/admin/registry/person/", {"q": term}).content.decode()
    assert "2012345670" in html and "1000000008" not in html
    queries = _person_queries(ctx)
    assert queries and all("LIKE" not in q for q in queries), queries
    assert any('"registry_person"."id_number" = ' in q for q in queries)


def test_a_name_matches_word_by_word_in_both_scripts(admin_client):
    seed()
    for term in ("منى علي", "mona ali", "Ibrahim"):
        html = admin_client.get("/admin/registry/person/", {"q": term}).content.decode()
        assert "2012345670" in html and "1000000008" not in html, term
    assert "2012345670" not in admin_client.get("/admin/registry/person/", {"q": "Mona Khalid"}).content.decode()


def test_a_payment_reference_is_an_exact_lookup_and_a_name_a_subquery_on_people(admin_client):
    seed()
    person = Person.objects.get(id_number="1000000008")
    from payments.services.bills import LineItem, payment_create

    payment = payment_create(person=person, purpose="outstanding", object_id="", items=[LineItem("X", "FEE", "رسم", "Fee", 10)])
    with CaptureQueriesContext(connection) as ctx:
        html = admin_client.get("/admin/payments/payment/", {"q": payment.reference.lower()}).content.decode()
    assert payment.reference in html
    listing = [q["sql"] for q in ctx.captured_queries if 'FROM "payments_payment"' in q["sql"]]
    assert listing and all("LIKE" not in q for q in listing), listing
    with CaptureQueriesContext(connection) as ctx:
        html = admin_client.get("/admin/payments/payment/", {"q": "القحطاني"}).content.decode()
    assert payment.reference in html
    listing = [q["sql"] for q in ctx.captured_queries if 'FROM "payments_payment"' in q["sql"]]
    assert any('"payments_payment"."person_id" IN (SELECT' in q for q in listing), listing


def test_the_changelist_never_counts_the_whole_table(admin_client, settings):
    """Above ADMIN_EXACT_COUNT_UP_TO rows the planner's estimate stands for the count: no COUNT(*)."""
    seed()
    PersonFactory.create_batch(5)
    with connection.cursor() as cur:
        cur.execute("ANALYZE registry_person")
    settings.ADMIN_EXACT_COUNT_UP_TO = 2
    with CaptureQueriesContext(connection) as ctx:
        assert admin_client.get("/admin/registry/person/").status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"].upper()]
    assert counts == [], counts
    settings.ADMIN_EXACT_COUNT_UP_TO = 10_000
    with CaptureQueriesContext(connection) as ctx:
        assert admin_client.get("/admin/registry/person/").status_code == 200
    assert any("COUNT(*)" in q["sql"].upper() for q in ctx.captured_queries)  # small: counted exactly


def test_estimated_count_is_near_the_true_count():
    PersonFactory.create_batch(30)
    with connection.cursor() as cur:
        cur.execute("ANALYZE registry_person")
    total = Person.objects.count()
    assert estimated_count(Person.objects.all()) == total  # reltuples after ANALYZE
    filtered = Person.objects.filter(kind="citizen")
    assert estimated_count(filtered) > 0
    assert EstimatedCountPaginator(Person.objects.order_by("id_number"), 10).count == total  # small: exact


def test_distinct_values_by_loose_index_scan():
    PersonFactory(nationality="SAU")
    PersonFactory(nationality="EGY")
    PersonFactory(nationality="EGY")
    PersonFactory(nationality="IND")
    assert distinct_values(Person, "nationality") == ["EGY", "IND", "SAU"]
    assert distinct_values(Payment, "purpose") == []


def test_every_changelist_and_filter_opens(admin_client):
    seed()
    for url in (
        "/admin/registry/person/?nationality=EGY",
        "/admin/payments/payment/?purpose=outstanding",
        "/admin/nafath/nafathrequest/?channel__exact=web",
        "/admin/core/auditlog/?q=nafath.login",
        "/admin/civil_affairs/idrenewal/?status__exact=UNDER_REVIEW",
        "/admin/passports/iqamarenewal/?q=2000000006",
        "/admin/registry/familymember/?q=2000000006",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_trigram_indexes_exist_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cur:
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'registry_person' AND indexdef LIKE '%%gin_trgm_ops%%'")
        found = dict(cur.fetchall())
    assert set(found) == {"person_name_ar_trgm", "person_name_en_trgm"}
    assert all("upper" in d.lower() for d in found.values())


@pytest.mark.django_db(transaction=False)
def test_migrations_apply_on_sqlite(tmp_path):
    """The `make run` fallback: every migration, the PostgreSQL-only ones skipped, on a SQLite file."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DJANGO_SETTINGS_MODULE": "absher.settings.test"}
    env.pop("TEST_DATABASE_NAME", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--skip-checks", "-v", "0"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    import sqlite3

    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'registry_person'")}
    assert "person_nationality_idn" in names and "person_name_en_trgm" not in names
