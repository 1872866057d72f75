"""What the organisation import and the OS2mo sync print: errors, the plan, the safety net."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tillid.organisation.importing import CHANGE_KINDS, PEOPLE, UNITS, table_label
from tillid.organisation.models import ImportStatus, OrganisationImport


def labels() -> dict[str, str]:
    return {
        "added": _("added"),
        "renamed": _("renamed"),
        "updated": _("other details changed"),
        "moved": _("moved"),
        "reactivated": _("reactivated"),
        "deactivated": _("deactivated"),
        "unchanged": _("unchanged"),
    }


def print_errors(command, record: OrganisationImport) -> None:
    for error in record.errors:
        place = ", ".join(
            part
            for part in (
                table_label(error["table"]),
                _("line %(line)s") % {"line": error["line"]} if error["line"] else "",
                _("column %(column)s") % {"column": error["column"]} if error["column"] else "",
            )
            if part
        )
        command.stderr.write(f"{place}: {error['message']}")
    raise CommandError(
        ngettext(
            "The file was rejected with %(count)s error. Nothing has been saved.",
            "The file was rejected with %(count)s errors. Nothing has been saved.",
            len(record.errors),
        )
        % {"count": len(record.errors)}
    )


def print_report(command, report: dict, verbosity: int) -> None:
    names = labels()
    for table in (UNITS, PEOPLE):
        counts = report[table]["counts"]
        parts = [f"{names[kind]} {counts[kind]}" for kind in (*CHANGE_KINDS, "unchanged")]
        command.stdout.write(f"{table_label(table)}: " + ", ".join(parts))
        if verbosity > 1:
            for kind in CHANGE_KINDS:
                for item in report[table]["examples"][kind]:
                    detail = f" ({item['detail']})" if item["detail"] else ""
                    command.stdout.write(
                        f"  {names[kind]}: {item['external_id']} {item['name']}{detail}"
                    )
    safety = report.get("safety") or {}
    if report.get("dry_run") and (safety.get("exceeded") or safety.get("large")):
        command.stdout.write(
            _(
                "Warning: importing it would deactivate %(units)s units and %(people)s people "
                "(%(changes)s changes in all). Check that the file is the whole organisation."
            )
            % {
                "units": safety[UNITS]["deactivated"],
                "people": safety[PEOPLE]["deactivated"],
                "changes": report.get("changes", 0),
            }
        )
    if report.get("dry_run"):
        command.stdout.write(_("Only checked: nothing has been saved."))


def finish(command, record: OrganisationImport, verbosity: int) -> None:
    """Print the outcome of a run; fail when it was rejected or waits for a confirmation."""
    if record.status == ImportStatus.FAILED:
        print_errors(command, record)
    print_report(command, record.report, verbosity)
    if record.status == ImportStatus.AWAITING_CONFIRMATION:
        safety = record.report["safety"]
        raise CommandError(
            _(
                "Nothing has been saved: this would deactivate %(units)s units and %(people)s "
                "people, more than %(limit)s %% of the organisation. If that is right, run the "
                "command again with --confirm-deactivations %(count)s."
            )
            % {
                "units": safety[UNITS]["deactivated"],
                "people": safety[PEOPLE]["deactivated"],
                "limit": f"{safety['limit_percent']:g}",
                "count": safety["deactivations"],
            }
        )
    if record.applied_at and not record.dry_run:
        command.stdout.write(
            _("Saved as import %(id)s; undo it with: manage.py undo_organisation_import %(id)s")
            % {"id": record.pk}
        )
