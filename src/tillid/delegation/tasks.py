"""Background jobs for delegation."""

from django_tasks import task

from tillid.delegation import services


@task()
def anonymise_expired_records() -> dict:
    """Anonymise dosing and breach records older than TILLID_DELEGATION_RETENTION_MONTHS.

    Scheduled daily: cron runs `manage.py delegation_anonymise` (or enqueues this task).
    """
    return services.anonymise_expired()
