"""The audit trail: append-only, one row per sign-in, answer, transition, officer decision and
officer edit. Core knows no domain: the person an entry concerns is the project's person model,
named by the PERSON_MODEL setting (as AUTH_USER_MODEL names the user model)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """Append-only trail of every sign-in, answer, transition and officer decision."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    person = models.ForeignKey(settings.PERSON_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    officer = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The officers' audit log: its order, the action filter with the order, a search by object id.
            models.Index(fields=["at", "id"], name="auditlog_at_id"),
            models.Index(fields=["action", "at"], name="auditlog_action_at"),
            models.Index(fields=["object_id"], name="auditlog_object_id"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"


class StatusHistory(models.Model):
    """The one shape of every flow's history (core.transitions writes it): the concrete model of a
    flow adds one foreign key to the row it follows, with related_name="events"."""

    at = models.DateTimeField(_("at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=30, blank=True)
    to_status = models.CharField(_("to"), max_length=30, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("officer")
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.from_status}→{self.to_status}"
