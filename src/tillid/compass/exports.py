"""The unit report as PDF and the aggregate results as XLSX, under the anonymity rules.

Both take their figures from selectors (round_results / unit_view), so a
hidden cell is hidden here too; neither ever reads a single response.
"""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tillid.compass.models import RoleGroup
from tillid.compass.selectors import Results, dimension_names
from tillid.core import charts as core_charts
from tillid.core.anonymity import ALL
from tillid.core.exports import Sheet, xlsx_bytes


def unit_pdf(request, context: dict) -> bytes:
    from weasyprint import HTML

    context = dict(context)
    chart = context.get("elements_chart")
    context["elements_svg"] = core_charts.to_svg(chart) if chart else ""
    html = render_to_string("compass/report_pdf.html", context, request=request)
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()


def results_xlsx(results: Results, unit) -> bytes:
    """One row per unit in the subtree and group; hidden cells are the same text."""
    names = dimension_names(results.round)
    codes = results.spec.dimension_codes()
    hidden = _("Hidden (too few answers)")
    rows = [[_("Unit"), _("Group"), _("Respondents")] + [names.get(c, (c, ""))[0] for c in codes]]
    groups = [
        (ALL, _("Everyone")),
        (RoleGroup.LEADER.value, str(RoleGroup.LEADER.label)),
        (RoleGroup.EMPLOYEE.value, str(RoleGroup.EMPLOYEE.label)),
    ]
    for unit_id in results.subtree_ids(unit.pk):
        u = results.units[unit_id]
        for group, label in groups:
            n = results.count(unit_id, group)
            row = [u.name, label, hidden if n is None else n]
            for code in codes:
                score = results.score(code, unit_id, group)
                row.append(round(score.mean, 1) if score else hidden)
            rows.append(row)
    about = [
        [_("Round"), results.round.name],
        [_("Smallest group with results"), results.round.min_group],
        [
            _("Note"),
            _(
                "Scores are 0–100. Cells for groups that are too small, or that could be "
                "worked out from other cells, are hidden."
            ),
        ],
    ]
    return xlsx_bytes([Sheet(_("Results"), rows), Sheet(_("About"), about)])
