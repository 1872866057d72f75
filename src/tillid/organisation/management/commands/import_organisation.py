"""manage.py import_organisation FILE [FILE ...] [--dry-run] [--confirm-deactivations N]

Imports the whole organisation from an Excel workbook or two CSV files, the same
way as the upload page (see docs/import-organisation.md). Exits with status 1
and lists every error when the file is rejected; nothing is saved then. An
import that would deactivate more than TILLID_IMPORT_DEACTIVATION_LIMIT_PERCENT
of the units or people is saved only with --confirm-deactivations naming
their number (the command says which).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tillid.core.tabular import count_rows
from tillid.organisation import services
from tillid.organisation.management.commands._report import finish
from tillid.organisation.models import OrganisationImport


class Command(BaseCommand):
    help = "Import the organisation (units and people) from an XLSX file or two CSV files."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="An .xlsx workbook, or the two .csv files.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only check the file and report what would change; save nothing.",
        )
        parser.add_argument(
            "--confirm-deactivations",
            type=int,
            metavar="N",
            help="Confirm that the import deactivates N units and people in all.",
        )

    def handle(
        self,
        *args,
        files: list[str],
        dry_run: bool,
        confirm_deactivations: int | None = None,
        verbosity: int = 1,
        **options,
    ):
        contents = []
        for name in files:
            path = Path(name)
            try:
                contents.append((path.name, path.read_bytes()))
            except OSError as exc:
                raise CommandError(
                    _("Cannot read %(file)s: %(error)s") % {"file": name, "error": exc.strerror}
                ) from exc
        rows = sum(count_rows(name, content) for name, content in contents)
        try:
            record = services.create_import(files=contents, dry_run=dry_run, row_count=rows)
        except services.ImportAlreadyRunning as exc:
            raise CommandError(
                _("These files are already being imported. Wait until that import is finished.")
            ) from exc
        if confirm_deactivations is not None:
            OrganisationImport.objects.filter(pk=record.pk).update(
                confirmed_deactivations=confirm_deactivations
            )
        record = services.run_import(import_id=record.pk)
        finish(self, record, verbosity)
