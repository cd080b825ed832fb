"""Prepared queries: an ORM query compiled to SQL once per process and shape, then run with new values.

    members_of = PreparedQuery(
        lambda head_id: FamilyMember.objects.filter(head_id=head_id).select_related("person"),
    )
    members = members_of(head_id=head.pk)          # model instances, as list(queryset) gives

Django builds a query's SQL anew on every evaluation: resolving the lookups, the joins of
select_related, the subqueries of annotations and compiling them costs 0.3-2 ms of CPU per query,
several times what PostgreSQL takes to answer a small indexed one (issue 12: the ORM building the
family page's queries was the largest part of its time). A PreparedQuery calls `build` once per
shape with sentinel values in place of its arguments, keeps the compiled SQL and where each
sentinel landed among the parameters, and from then on only binds the values and runs it; the
rows go through the compiler's own converters and, for a model query, the same steps as
Django's ModelIterable (select_related caches, annotations, deferred fields).

Rules for `build`:
  * every argument is an int or a list of ints (ids); a list's length is part of the shape
    (one compiled text per length, up to MAX_SHAPES per query); pass each id once (Django's `in`
    drops repeats, so a list with repeats would not match the fresh build under verification);
  * nothing else may vary: `build` must not read the clock, settings that change or the
    request. Whatever else it puts in the query is frozen at the first call.
Under settings.PREPARED_QUERIES_VERIFY (on in the tests) every call also builds the query from
its real values and fails loudly if the SQL or the parameters differ from the bound ones: a
`build` that breaks the rules fails the tests.

The result is what `list(queryset)` gives: model instances, or dicts for a `.values()` query.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators

MAX_SHAPES = 128  # compiled texts kept per query (shapes past it are built each time)
_SENTINEL_BASE = -7_351_000_000_000  # far from any id: a parameter equal to one is a placeholder
_counter = itertools.count()
_lock = threading.Lock()


class PreparedQueryError(Exception):
    """`build` broke the rules (an argument that is not an int or a list of ints, a value that
    did not reach the parameters, or a query that differs from the prepared one)."""


@dataclass(frozen=True)
class _Compiled:
    sql: str | None  # None: the query matches nothing whatever the values (Django's EmptyResultSet)
    params: tuple  # the parameters with the sentinels in place
    slots: tuple  # (position, argument name, index in the list or None) of each sentinel
    compiler: object  # the SQL compiler, set up (select, klass_info, annotations)
    db: str
    values: tuple | None  # the names of a .values() query's columns; None: model instances


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple, _Compiled] = {}

    def __call__(self, **args) -> list:
        shape = self._shape(args)
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = self._compile(args)
            if len(self._compiled) < MAX_SHAPES:
                self._compiled[shape] = compiled
        if compiled.sql is None:  # matches nothing whatever the values (an empty list in an `in`)
            return []
        params = list(compiled.params)
        for position, name, index in compiled.slots:
            params[position] = args[name] if index is None else args[name][index]
        if getattr(settings, "PREPARED_QUERIES_VERIFY", False):
            self._verify(compiled, args, params)
        with connections[compiled.db].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return _materialise(compiled, rows)

    @staticmethod
    def _shape(args: dict) -> tuple:
        shape = []
        for name, value in sorted(args.items()):
            scalar = isinstance(value, int) and not isinstance(value, bool)
            if not scalar and not (isinstance(value, list | tuple) and all(type(v) is int for v in value)):
                raise PreparedQueryError(f"argument {name!r} must be an int or a list of ints, not {value!r:.60}")
            shape.append((name, None if scalar else len(value)))
        return tuple(shape)

    def _compile(self, args: dict) -> _Compiled:
        with _lock:
            base = _SENTINEL_BASE - 1000 * next(_counter)
        sentinels, where = {}, {}
        for name, value in sorted(args.items()):
            if isinstance(value, int):
                sentinels[name] = base - len(where)
                where[sentinels[name]] = (name, None)
            else:
                sentinels[name] = []
                for i in range(len(value)):
                    s = base - len(where)
                    sentinels[name].append(s)
                    where[s] = (name, i)
        qs = self.build(**sentinels)
        if qs._known_related_objects or qs._prefetch_related_lookups:
            raise PreparedQueryError("a prepared query cannot prefetch or carry known related objects")
        if qs._iterable_class not in (ModelIterable, ValuesIterable):
            raise PreparedQueryError("a prepared query returns model instances or .values() dicts")
        compiler = qs.query.get_compiler(using=qs.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # as Django's own evaluation: no query, no rows
            return _Compiled(None, (), (), compiler, qs.db, None)
        slots = tuple((pos, *where[p]) for pos, p in enumerate(params) if type(p) is int and p in where)
        if len(slots) != len(where):
            missing = sorted({where[s][0] for s in where} - {name for _pos, name, _i in slots})
            raise PreparedQueryError(f"arguments {missing} did not reach the query's parameters (used outside a lookup?)")
        values = None
        if qs._iterable_class is ValuesIterable:
            q = qs.query
            values = (*q.extra_select, *q.values_select, *q.annotation_select)
        return _Compiled(sql, tuple(params), slots, compiler, qs.db, values)

    def _verify(self, compiled: _Compiled, args: dict, params: list) -> None:
        sql, fresh = self.build(**args).query.get_compiler(using=compiled.db).as_sql()
        if sql != compiled.sql or list(fresh) != params:
            raise PreparedQueryError(
                f"the prepared query differs from the one built now (build must depend on its arguments only):\n"
                f"  prepared: {compiled.sql} {params}\n  built:    {sql} {list(fresh)}"
            )


def _materialise(compiled: _Compiled, rows: list) -> list:
    compiler = compiled.compiler
    converted = compiler.results_iter(results=[rows])
    if compiled.values is not None:
        names = compiled.values
        return [dict(zip(names, row, strict=True)) for row in converted]
    # Django's ModelIterable, on rows already fetched.
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    populators = get_related_populators(klass_info, select, compiled.db)
    objs = []
    for row in converted:
        obj = model_cls.from_db(compiled.db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for attr, pos in (annotation_col_map or {}).items():
            setattr(obj, attr, row[pos])
        objs.append(obj)
    return objs
