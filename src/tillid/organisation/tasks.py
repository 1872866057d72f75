"""Background jobs of the organisation app."""

from django_tasks import task

from tillid.organisation import services


@task()
def run_organisation_import(import_id: int) -> str:
    """Run a stored organisation import (large files; see services.run_import)."""
    return services.run_import(import_id=import_id).status
