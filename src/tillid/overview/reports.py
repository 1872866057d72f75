"""The council report as PDF (WeasyPrint, charts as SVG) and XLSX, from a ReportPage."""

from collections.abc import Callable

from django.template.loader import render_to_string

from tillid.core import charts as core_charts
from tillid.core import exports
from tillid.core.exports import Sheet
from tillid.overview.selectors import ReportPage

Progress = Callable[[int], None]


def _nothing(percent: int) -> None:
    return None


def report_html(page: ReportPage, *, progress: Progress = _nothing) -> str:
    """The report's HTML with every trend drawn as SVG (progress 0–60 %)."""
    charted = [item for track in page.tracks for item in track.items if item.chart]
    svgs: dict[str, str] = {}
    for i, item in enumerate(charted, start=1):
        svgs[item.indicator.code] = core_charts.to_svg(item.chart)  # type: ignore[arg-type]
        progress(10 + 50 * i // len(charted))
    return render_to_string("overview/report_pdf.html", {"page": page, "svgs": svgs})


def render_pdf(html: str):
    """The laid-out document and its PDF bytes."""
    from weasyprint import HTML

    document = HTML(string=html).render()
    return document, document.write_pdf()


def report_xlsx(page: ReportPage) -> bytes:
    """One sheet per track: each indicator, its status and trend; then what is late."""
    from django.utils.translation import gettext as _

    sheets = []
    for track in page.tracks:
        rows: list[list] = [
            [page.municipality, page.scope_name, f"{page.period.start} – {page.period.end}"],
            [_("Indicator"), _("Value"), _("The whole organisation"), _("Status"),
             _("Explanation"), _("Period"), _("Value in the period")],
        ]  # fmt: skip
        for item in track.items:
            rows.append(
                [
                    item.indicator.label,
                    item.value,
                    item.organisation_value,
                    item.status_label,
                    item.indicator.explanation,
                    "",
                    "",
                ]
            )
            for point in item.trend_rows:
                rows.append(["", "", "", "", "", point.label, point.value])
        sheets.append(Sheet(track.label[:31], rows))
    late_rows: list[list] = [[_("Kind"), _("Open"), _("Late")]]
    late_rows += [[k.label, k.open, k.late] for k in page.late.kinds]
    sheets.append(Sheet(_("What is late")[:31], late_rows))
    if page.effects is not None:
        sheets.append(Sheet(_("Effects and inequality")[:31], effect_rows(page)))
    return exports.xlsx_bytes(sheets)


def effect_rows(page: ReportPage) -> list[list]:
    """The "Effects and inequality" sheet: the same figures as the page's panel."""
    from django.utils.translation import gettext as _

    effects = page.effects
    assert effects is not None
    rows: list[list] = [[page.municipality, page.scope_name,
                         f"{page.period.start} – {page.period.end}"]]  # fmt: skip
    if not effects.outcome:
        return [*rows, [_("No module offers an outcome to measure yet.")]]
    for watch in effects.watches:
        rows.append([_("The inequality watch"), watch.label])
        if watch.no_watch:
            rows.append([watch.no_watch])
        else:
            rows += [[_("Watch out"), flag] for flag in watch.flags]
            if not watch.flags:
                rows.append([_("No sign that frisættelse is making the units more unequal.")])
            rows += [[label, value] for label, value in watch.facts]
        rows.append([])
    rows.append([_("What is measured"), effects.outcome_label])
    rows.append([_("Date"), _("Decision"), _("Evidence grade"), _("Why this grade")])
    rows += [[d.decided_on, d.title, d.grade_label, d.why] for d in effects.decisions]
    if not effects.decisions:
        rows.append([_("No four-F decisions were made in this period.")])
    rows.append([])
    rows += [[c.label, c.count] for c in effects.counts]
    return rows
