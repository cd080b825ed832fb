"""The officers' admin at national scale (a million people, tens of millions of rows): what every
changelist of the project inherits (docs/performance.md).

- Search by kind of term, never `icontains` over a million rows for a number: a term that reads
  as an ID number (10 digits, Eastern Arabic digits too) is an exact lookup on the admin's
  `id_number_fields`; a code (a reference, a bill number, a transaction id, an audit action:
  digits or punctuation in one word) is an exact lookup on its `exact_fields`; anything else is a
  name, matched word by word with `icontains` on `name_fields` — which PostgreSQL answers from
  the trigram (pg_trgm GIN) indexes on UPPER(name) in both scripts (registry migration 0010).
  Names of a related person are matched in a subquery on the person table (`person_id IN
  (SELECT id … WHERE name matches)`), so the trigram index serves them too.
- No full count: `show_full_result_count = False`, no facets, and `EstimatedCountPaginator`:
  the planner's row estimate (pg_class.reltuples without a filter, EXPLAIN with one) stands
  for the count when it is above ADMIN_EXACT_COUNT_UP_TO (1,000); smaller results are counted
  exactly. A page is 25 rows.
- `DistinctValuesFilter` for a list filter on a free-text column: its values come from a loose
  index scan (a recursive CTE that hops through the btree index) and are cached, instead of
  `SELECT DISTINCT` over the whole table on every page.
"""

import json
import re

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import ShowFacets
from django.contrib.admin.utils import get_fields_from_path
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from core.idnumbers import normalize_digits

ID_NUMBER_RE = re.compile(r"^[12]\d{9}$")
CODE_RE = re.compile(r"^[\w.\-:]+$")  # one word: letters, digits and . - _ :
DISTINCT_CACHE_SECONDS = 600


def exact_count_up_to() -> int:
    return getattr(settings, "ADMIN_EXACT_COUNT_UP_TO", 1_000)


def estimated_count(queryset) -> int | None:
    """The planner's estimate of the rows `queryset` returns (PostgreSQL), or None elsewhere."""
    conn = connections[queryset.db]
    if conn.vendor != "postgresql":
        return None
    query = queryset.query
    with conn.cursor() as cur:
        if not query.where and not query.distinct and not query.combinator:
            cur.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table])
            row = cur.fetchone()
            if row and row[0] >= 0:
                return int(row[0])
        sql, params = queryset.order_by().query.sql_with_params()
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to ADMIN_EXACT_COUNT_UP_TO rows; above, the planner's estimate stands for the count."""

    @cached_property
    def count(self):
        try:
            estimate = estimated_count(self.object_list)
        except AttributeError:  # not a queryset
            estimate = None
        if estimate is None or estimate <= exact_count_up_to():
            return super().count
        return estimate


def _any(fields, value) -> Q:
    q = Q()
    for f in fields:
        q |= Q(**{f: value})
    return q


class ScaledAdmin(admin.ModelAdmin):
    """A changelist that stays fast on a million rows (see the module's docstring)."""

    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    # A screenful. At a million rows officers search or filter rather than page; the SQL of a page
    # is a few ms whatever the table's size, rendering costs 1-3 ms per row (docs/performance.md).
    list_per_page = 25
    id_number_fields: tuple = ()  # exact match when the term is an ID number
    exact_fields: tuple = ()  # exact match when the term is a code (reference, bill number, uuid, action)
    name_fields: tuple = ()  # icontains, word by word (trigram indexes)

    def get_search_fields(self, request):
        return self.search_fields or (*self.id_number_fields, *self.exact_fields, *self.name_fields)

    def get_search_results(self, request, queryset, search_term):
        if not (self.id_number_fields or self.exact_fields or self.name_fields):
            return super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return queryset, False
        digits = normalize_digits(term)
        if self.id_number_fields and ID_NUMBER_RE.match(digits):
            return queryset.filter(_any(self.id_number_fields, digits)), False
        if CODE_RE.match(digits) and (any(ch.isdigit() for ch in digits) or any(ch in ".-_:" for ch in digits)):
            return queryset.filter(self._exact_q(digits)), False
        if not self.name_fields:
            return queryset.filter(self._exact_q(term)), False
        for word in term.split():
            queryset = queryset.filter(self._name_q(word))
        return queryset, False

    def _exact_q(self, term: str) -> Q:
        """Exact match on every exact field the term is a valid value of (upper-cased for references)."""
        q = Q(pk__in=[])
        for path in self.exact_fields:
            field = get_fields_from_path(self.model, path)[-1]
            for value in dict.fromkeys((term, term.upper())):
                try:
                    field.run_validators(field.to_python(value))
                except ValidationError:
                    continue
                q |= Q(**{path: value})
        return q

    def _name_q(self, word: str) -> Q:
        """`word` in any name field; a related model's names are matched in one subquery on its table."""
        by_relation: dict[str, list[str]] = {}
        for path in self.name_fields:
            relation, _, name = path.rpartition("__")
            by_relation.setdefault(relation, []).append(name)
        q = Q()
        for relation, names in by_relation.items():
            if not relation:
                q |= _any([f"{n}__icontains" for n in names], word)
                continue
            try:
                related = get_fields_from_path(self.model, relation)[-1].related_model
            except (FieldDoesNotExist, IndexError):
                q |= _any([f"{relation}__{n}__icontains" for n in names], word)
                continue
            ids = related._default_manager.filter(_any([f"{n}__icontains" for n in names], word)).values("pk")
            q |= Q(**{f"{relation}__in": ids})
        return q


def distinct_values(model, column: str) -> list:
    """The distinct non-null values of a column: a loose index scan on PostgreSQL (one index probe
    per value, not a pass over the table), a plain DISTINCT elsewhere."""
    conn = connections[model.objects.db]
    if conn.vendor != "postgresql":
        return list(
            model._default_manager.exclude(**{f"{column}__isnull": True}).order_by(column).values_list(column, flat=True).distinct()
        )
    table = conn.ops.quote_name(model._meta.db_table)
    col = conn.ops.quote_name(model._meta.get_field(column).column)
    with conn.cursor() as cur:
        cur.execute(
            f"WITH RECURSIVE t(v) AS (SELECT min({col}) FROM {table} "
            f"UNION ALL SELECT (SELECT min({col}) FROM {table} WHERE {col} > t.v) FROM t WHERE t.v IS NOT NULL) "
            "SELECT v FROM t WHERE v IS NOT NULL"
        )
        return [r[0] for r in cur.fetchall()]


class DistinctValuesFilter(admin.AllValuesFieldListFilter):
    """A list filter on a free-text column whose choices are its distinct values, found by a loose
    index scan and cached for ten minutes (a new value shows up within that time)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        key = f"admin-distinct:{model._meta.label}:{field_path}"
        values = cache.get(key)
        if values is None:
            values = distinct_values(model, field_path)
            cache.set(key, values, DISTINCT_CACHE_SECONDS)
        self.lookup_choices = values

    def choices(self, changelist):
        # An empty value is a choice too: give its link words (a link without text is unusable
        # with a screen reader, axe's link-name).
        for choice in super().choices(changelist):
            yield {**choice, "display": _("(empty)")} if choice["display"] == "" else choice
