"""manage.py undo_organisation_import [IMPORT_ID]

Undoes an applied organisation import or OS2mo sync (default: the latest):
every unit and person it changed is put back as it was before, from the
history; units and people it added are deactivated. Only the latest applied
import, within TILLID_IMPORT_UNDO_DAYS.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tillid.organisation import services
from tillid.organisation.importing import PEOPLE, UNITS, table_label
from tillid.organisation.models import OrganisationImport


class Command(BaseCommand):
    help = "Undo the latest organisation import (or the one given): restore the state before it."

    def add_arguments(self, parser):
        parser.add_argument("import_id", nargs="?", type=int, help="The import's number.")

    def handle(self, *args, import_id: int | None = None, **options):
        if import_id is None:
            latest = (
                OrganisationImport.objects.filter(applied_at__isnull=False, undone_at__isnull=True)
                .order_by("-applied_at")
                .values_list("pk", flat=True)
                .first()
            )
            if latest is None:
                raise CommandError(_("No import can be undone."))
            import_id = latest
        try:
            record = services.undo_import(import_id=import_id)
        except OrganisationImport.DoesNotExist as exc:
            raise CommandError(_("There is no import %(id)s.") % {"id": import_id}) from exc
        except services.ImportCannotBeUndone as exc:
            raise CommandError(str(exc)) from exc
        for table in (UNITS, PEOPLE):
            counts = record.undo_report[table]
            self.stdout.write(
                _(
                    "%(table)s: %(restored)s put back as before, %(reactivated)s reactivated, "
                    "%(deactivated)s deactivated"
                )
                % {"table": table_label(table), **counts}
            )
        self.stdout.write(_("Import %(id)s has been undone.") % {"id": record.pk})
