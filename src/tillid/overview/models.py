from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderSent(models.Model):
    """A late follow-up its owner has been reminded of by e-mail: never twice.

    A follow-up is known by its kind, its page (or title) and its due date; a
    new due date is a new promise and may be reminded of again.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followup_reminders"
    )
    kind = models.CharField(max_length=40)
    target = models.CharField(max_length=500)
    due_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind", "target", "due_on"], name="overview_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target} {self.due_on}"
