"""Background jobs of the organisation app."""

from django_tasks import task

from tillid.organisation import services


@task()
def run_organisation_import(import_id: int) -> str:
    """Run a stored organisation import (large files; see services.run_import)."""
    return services.run_import(import_id=import_id).status


@task()
def sync_organisation_from_os2mo(dry_run: bool = False) -> str:
    """Make the organisation match OS2mo (see services.sync_from_os2mo).

    Scheduled nightly: cron runs `manage.py sync_os2mo` (or `sync_os2mo --enqueue`,
    which hands this task to the worker). A sync that would deactivate more than
    the limit waits on the import page for an administrator's confirmation.
    """
    record = services.sync_from_os2mo(dry_run=dry_run)
    return "unchanged" if record is None else record.status
