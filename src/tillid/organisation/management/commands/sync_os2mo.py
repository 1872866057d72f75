"""manage.py sync_os2mo [--dry-run] [--confirm-deactivations N] [--enqueue]

Makes Tillid's organisation match OS2mo: org units with their parents, kinds
and KLE numbers, people from their engagements, leaders from the manager
roles, as valid today. The same plan-then-write path as the organisation file,
all or nothing, with the same report and the same safety net: a sync that
would deactivate more than TILLID_IMPORT_DEACTIVATION_LIMIT_PERCENT of the
units or people is saved only with --confirm-deactivations naming their
number (or confirmed on the import page). A sync that changes nothing writes
nothing. OS2mo's address and client credentials come from the environment
(TILLID_OS2MO_URL, TILLID_OS2MO_CLIENT_ID, TILLID_OS2MO_CLIENT_SECRET).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tillid.organisation import services
from tillid.organisation.management.commands._report import finish
from tillid.organisation.os2mo import OS2moError
from tillid.organisation.tasks import sync_organisation_from_os2mo


class Command(BaseCommand):
    help = "Make the organisation (units, people, leaders) match OS2mo."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only report what would change; save nothing."
        )
        parser.add_argument(
            "--confirm-deactivations",
            type=int,
            metavar="N",
            help="Confirm that the sync deactivates N units and people in all.",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the sync to the background worker instead of running it here.",
        )

    def handle(
        self,
        *args,
        dry_run: bool = False,
        confirm_deactivations: int | None = None,
        enqueue: bool = False,
        verbosity: int = 1,
        **options,
    ):
        if enqueue:
            sync_organisation_from_os2mo.enqueue(dry_run=dry_run)
            self.stdout.write(_("The sync with OS2mo has been handed to the background worker."))
            return
        try:
            record = services.sync_from_os2mo(
                dry_run=dry_run, confirmed_deactivations=confirm_deactivations
            )
        except OS2moError as exc:
            raise CommandError(str(exc)) from exc
        if record is None:
            self.stdout.write(_("Tillid already matches OS2mo: nothing has changed or been saved."))
            return
        finish(self, record, verbosity)
