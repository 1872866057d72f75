"""Background jobs of the overview."""

from django.utils import timezone
from django_tasks import task

from tillid.overview import services


@task()
def send_followup_reminders(base_url: str) -> dict:
    """E-mail owners their late follow-ups, once each (see services.send_followup_reminders).

    Scheduled daily: cron runs `manage.py send_followup_reminders`, which hands
    this task to the worker."""
    run = services.send_followup_reminders(today=timezone.localdate(), base_url=base_url)
    return {"owners": run.owners, "followups": run.followups, "failed": run.failed}
