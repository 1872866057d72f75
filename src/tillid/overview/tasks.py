"""Background jobs of the overview."""

from django.utils import timezone
from django_tasks import task

from tillid.overview import building, reminders


@task()
def send_followup_reminders(base_url: str) -> dict:
    """E-mail owners their late follow-ups, once each (see reminders.send_followup_reminders).

    Scheduled daily: cron runs `manage.py send_followup_reminders`, which hands
    this task to the worker."""
    run = reminders.send_followup_reminders(today=timezone.localdate(), base_url=base_url)
    return {"owners": run.owners, "followups": run.followups, "failed": run.failed}


@task()
def build_report(report_id: int) -> str:
    """Make a council report's PDF and XLSX (see building.build_report)."""
    return building.build_report(report_id=report_id).status
