"""The effect page's chart: the outcome per period, touched units against comparison units."""

import altair as alt
from django.utils.translation import gettext as _

from tillid.core import charts


def before_after_spec(rows, *, outcome_label: str) -> dict:
    treated, comparison = _("Touched units"), _("Comparison units")
    values = []
    for row in rows:
        for side, mean in ((treated, row.treated_mean), (comparison, row.comparison_mean)):
            if mean is not None:
                values.append(
                    {"period": row.period, "label": row.label, "side": side, "mean": mean}
                )
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_line(point=True)
        .encode(
            x=alt.X("label:N", title=_("Round"), sort=alt.SortField("period")),
            y=alt.Y("mean:Q", title=outcome_label, scale=alt.Scale(zero=False)),
            color=alt.Color("side:N", title=None, sort=[treated, comparison]),
            strokeDash=alt.StrokeDash("side:N", title=None, sort=[treated, comparison]),
            tooltip=[
                alt.Tooltip("label:N", title=_("Round")),
                alt.Tooltip("side:N", title=_("Units")),
                alt.Tooltip("mean:Q", title=_("Mean"), format=".1f"),
            ],
        )
        .properties(width="container", height=260)
    )
    return charts.spec(chart)
