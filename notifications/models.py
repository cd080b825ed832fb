from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import Person


class Notification(models.Model):
    """One inbox entry. `event_key` makes a notification for one event unique per person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=50)
    event_key = models.CharField(max_length=200)
    title_ar = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    body_ar = models.TextField()
    body_en = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "event_key"], name="one_notification_per_event")]

    def __str__(self):
        return f"{self.person.id_number} {self.kind}"

    @property
    def title(self):
        return self.title_en if (get_language() or "ar").startswith("en") else self.title_ar

    @property
    def body(self):
        return self.body_en if (get_language() or "ar").startswith("en") else self.body_ar
