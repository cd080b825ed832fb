"""One way to move a request: a flow declares its moves once, as data, and one helper performs
every move.

    ID_RENEWAL = Flow(
        name="id_renewal", model=IdRenewal, history=IdRenewalEvent,
        moves={"AWAITING_PAYMENT": {"pay": "IN_PROCESS", "cancel": "CANCELLED"}, ...},
        notify=renewal_notify,                # (pk, to_status), after commit, robust
    )
    ID_RENEWAL.can(renewal, "cancel")         # pages, admin and the API ask the table
    ID_RENEWAL.move(renewal.pk, "cancel", person=request.person)   # lock, check, save, history, audit

`move` opens a transaction, re-reads the row with select_for_update(), checks the expected
version (409 STALE_VERSION) and the move (409 INVALID_STATE), lets the caller change fields on
the locked row, bumps `version`, saves with update_fields, writes one history row and one audit
row, and queues the flow's notification and the caller's follow-up work with
transaction.on_commit(..., robust=True): a failing notification or a broker outage is logged
and never undoes, or turns into an error, a change that committed (the sweepers pick up work
that was not queued).

`apply` is the same on a row the caller has already locked inside its own transaction.

The history model of a flow subclasses core.models.StatusHistory (one shape for every flow):
the row, when, the action, from and to, a note, the officer and free data."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.services import audit_log_write

log = logging.getLogger(__name__)

_FLOWS: dict[type, Flow] = {}


def stale_version_error(current: int) -> ApplicationError:
    return ApplicationError(
        "STALE_VERSION",
        _("Someone else changed this request meanwhile. Reload it and try again."),
        {"current_version": current},
        status=409,
    )


def invalid_state_error(obj, action: str, status_display: str) -> ApplicationError:
    return ApplicationError(
        "INVALID_STATE",
        _("This request cannot do that in its current status (%(status)s).") % {"status": status_display},
        {"status": getattr(obj, "status", ""), "action": action},
        status=409,
    )


def on_commit_robust(fn: Callable[[], object]) -> None:
    """Run fn after the surrounding transaction commits (at once outside one). A failure is
    logged, never raised: the change it follows has already committed."""
    transaction.on_commit(fn, robust=True)


def enqueue(task_path: str, *args) -> None:
    """Queue a Celery task by its dotted path after commit, robustly: a broker outage is logged
    and left to the flow's sweeper, never an error for a change that committed. Naming the task
    by path keeps the imports one way (tasks import services, never the reverse)."""
    on_commit_robust(lambda: _send(task_path, args))


def _send(task_path: str, args: tuple) -> bool:
    """Hand one message to the broker; a broker that is down or slow is logged (the sweepers
    re-queue the work from the database) and never raised. Returns whether it was queued."""
    try:
        import_string(task_path).delay(*args)  # runs from enqueue's on_commit_robust, after commit
    except Exception as exc:  # noqa: BLE001 - kombu, redis and socket errors alike: the change has committed
        log.warning("could not queue %s%r (%s: %s); its sweeper will re-queue it", task_path, args, exc.__class__.__name__, exc)
        return False
    return True


@dataclass(frozen=True)
class Flow:
    name: str
    model: type[models.Model]
    history: type[models.Model]
    moves: dict[str, dict[str, str]]
    # Called (pk, to_status) after commit for every move; robust.
    notify: Callable[[int, str], None] | None = None
    status_field: str = "status"
    # The person the audit row is about, read from the row (a field name, e.g. "person_id").
    person_field: str = "person"
    audit_prefix: str = ""
    finals: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        _FLOWS[self.model] = self
        fk = [f for f in self.history._meta.fields if isinstance(f, models.ForeignKey) and f.related_model is self.model]
        if len(fk) != 1:
            raise TypeError(f"{self.history.__name__} needs exactly one foreign key to {self.model.__name__}")
        object.__setattr__(self, "_history_fk", fk[0].name)
        statuses = set(self.moves) | {to for m in self.moves.values() for to in m.values()}
        choices = {c for c, _label in self.model._meta.get_field(self.status_field).choices or []}
        unknown = statuses - choices if choices else set()
        if unknown:
            raise ValueError(f"flow {self.name}: statuses not in {self.model.__name__}.{self.status_field}: {sorted(unknown)}")

    # --- asking the table -------------------------------------------------------------------
    def target(self, status: str, action: str) -> str | None:
        return self.moves.get(status, {}).get(action)

    def can(self, obj, action: str) -> bool:
        return self.target(getattr(obj, self.status_field), action) is not None

    def actions(self, obj) -> list[str]:
        return list(self.moves.get(getattr(obj, self.status_field), {}))

    def statuses_allowing(self, action: str) -> list[str]:
        """Every status from which `action` is a legal move (for querysets and admin filters)."""
        return [s for s, acts in self.moves.items() if action in acts]

    def is_final(self, status: str) -> bool:
        return not self.moves.get(status)

    @property
    def statuses(self) -> list[str]:
        return [c for c, _label in self.model._meta.get_field(self.status_field).choices]

    # --- moving -------------------------------------------------------------------------------
    def lock(self, pk, *, select_related: Iterable[str] = ()) -> models.Model:
        qs = self.model.objects.select_for_update(of=("self",)) if select_related else self.model.objects.select_for_update()
        if select_related:
            qs = qs.select_related(*select_related)
        return qs.get(pk=pk)

    def move(
        self,
        pk,
        action: str,
        *,
        expected_version: int | None = None,
        change: Callable[[models.Model], Iterable[str]] | None = None,
        select_related: Iterable[str] = (),
        **kwargs,
    ) -> models.Model:
        """Lock the row, then `apply`. `change(obj)` edits the locked row before the status moves
        and returns the names of the fields it set."""
        with transaction.atomic():
            obj = self.lock(pk, select_related=select_related)
            if expected_version is not None:
                self.check_version(obj, expected_version)
            fields = list(change(obj) or ()) if change else []
            return self.apply(obj, action, fields=fields, **kwargs)

    def check_version(self, obj, expected_version) -> None:
        try:
            expected = int(expected_version)
        except (TypeError, ValueError):
            raise stale_version_error(obj.version) from None
        if expected != obj.version:
            raise stale_version_error(obj.version)

    def check(self, obj, action: str) -> str:
        to = self.target(getattr(obj, self.status_field), action)
        if to is None:
            raise invalid_state_error(obj, action, self._display(obj))
        return to

    def apply(
        self,
        obj,
        action: str,
        *,
        fields: Iterable[str] = (),
        person=None,
        officer=None,
        note: str = "",
        ip: str = "",
        then: Iterable[Callable[[], object]] = (),
        history_data: dict | None = None,
        **audit,
    ) -> models.Model:
        """Move a row the caller holds locked inside its transaction."""
        to = self.check(obj, action)
        frm = getattr(obj, self.status_field)
        setattr(obj, self.status_field, to)
        update = [self.status_field, "version", *fields]
        obj.version = (obj.version or 0) + 1
        for name, value in (("status_changed_at", timezone.now()), ("updated_at", timezone.now())):
            if _has_field(self.model, name):
                setattr(obj, name, value)
                update.append(name)
        obj.save(update_fields=list(dict.fromkeys(update)))
        officer_obj = officer if getattr(officer, "pk", None) else None
        self.history.objects.create(
            **{self._history_fk: obj},
            action=action,
            from_status=frm,
            to_status=to,
            note=(note or "")[:500],
            officer=officer_obj,
            data=history_data or {},
        )
        audit_log_write(
            action=f"{self.audit_prefix or self.name}.{to.lower()}",
            person=person or self._person(obj),
            officer=officer,
            obj=obj,
            from_status=frm,
            to_status=to,
            ip=ip,
            move=action,
            **audit,
        )
        if self.notify is not None:
            pk, notify = obj.pk, self.notify
            on_commit_robust(lambda: notify(pk, to))
        for fn in then:
            on_commit_robust(fn)
        return obj

    def record(self, obj, action: str, *, note: str = "", officer=None, data: dict | None = None):
        """A history row that is not a status change (a refused notification, a hand-over)."""
        status = getattr(obj, self.status_field)
        return self.history.objects.create(
            **{self._history_fk: obj},
            action=action,
            from_status=status,
            to_status=status,
            note=(note or "")[:500],
            officer=officer if getattr(officer, "pk", None) else None,
            data=data or {},
        )

    def _person(self, obj):
        return getattr(obj, self.person_field, None)

    def _display(self, obj) -> str:
        getter = getattr(obj, f"get_{self.status_field}_display", None)
        return str(getter()) if getter else str(getattr(obj, self.status_field))


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist
        return False
    return True


def flow_for(obj) -> Flow | None:
    return _FLOWS.get(type(obj))


def can(obj, action: str) -> bool:
    """Is `action` a legal move for this row now? (Templates: {% if renewal|can:"cancel" %}.)"""
    flow = flow_for(obj)
    return bool(flow and flow.can(obj, action))
