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


class ReportStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for the worker")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ReportRequest(models.Model):
    """A council report asked for: made by the background worker, kept here."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="overview_reports"
    )
    # None: the whole organisation.
    unit = models.ForeignKey(
        "organisation.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.WAITING
    )
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    error = models.TextField(blank=True)
    pdf = models.BinaryField(blank=True, default=b"")
    xlsx = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("council report")
        verbose_name_plural = _("council reports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.start}–{self.end} ({self.status})"
