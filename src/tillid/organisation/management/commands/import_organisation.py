"""manage.py import_organisation FILE [FILE ...] [--dry-run]

Imports the whole organisation from an Excel workbook or two CSV files, the same
way as the upload page (see docs/import-organisation.md). Exits with status 1
and lists every error when the file is rejected; nothing is saved then.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tillid.core.tabular import count_rows
from tillid.organisation import services
from tillid.organisation.importing import CHANGE_KINDS, PEOPLE, UNITS, table_label
from tillid.organisation.models import ImportStatus


class Command(BaseCommand):
    help = "Import the organisation (units and people) from an XLSX file or two CSV files."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="An .xlsx workbook, or the two .csv files.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only check the file and report what would change; save nothing.",
        )

    def handle(self, *args, files: list[str], dry_run: bool, verbosity: int = 1, **options):
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
        record = services.run_import(import_id=record.pk)
        if record.status != ImportStatus.SUCCEEDED:
            for error in record.errors:
                place = ", ".join(
                    part
                    for part in (
                        table_label(error["table"]),
                        _("line %(line)s") % {"line": error["line"]} if error["line"] else "",
                        _("column %(column)s") % {"column": error["column"]}
                        if error["column"]
                        else "",
                    )
                    if part
                )
                self.stderr.write(f"{place}: {error['message']}")
            raise CommandError(
                ngettext(
                    "The file was rejected with %(count)s error. Nothing has been saved.",
                    "The file was rejected with %(count)s errors. Nothing has been saved.",
                    len(record.errors),
                )
                % {"count": len(record.errors)}
            )
        self._print_report(record.report, verbosity)

    def _print_report(self, report: dict, verbosity: int) -> None:
        labels = {
            "added": _("added"),
            "renamed": _("renamed"),
            "updated": _("other details changed"),
            "moved": _("moved"),
            "reactivated": _("reactivated"),
            "deactivated": _("deactivated"),
            "unchanged": _("unchanged"),
        }
        for table in (UNITS, PEOPLE):
            counts = report[table]["counts"]
            parts = [f"{labels[kind]} {counts[kind]}" for kind in (*CHANGE_KINDS, "unchanged")]
            self.stdout.write(f"{table_label(table)}: " + ", ".join(parts))
            if verbosity > 1:
                for kind in CHANGE_KINDS:
                    for item in report[table]["examples"][kind]:
                        detail = f" ({item['detail']})" if item["detail"] else ""
                        self.stdout.write(
                            f"  {labels[kind]}: {item['external_id']} {item['name']}{detail}"
                        )
        if report.get("dry_run"):
            self.stdout.write(_("Only checked: nothing has been saved."))
