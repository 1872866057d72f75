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


def event_study_spec(rows) -> dict:
    """The effect by rounds since the start, with its interval (the round before is zero)."""
    values = [
        {
            "rel": r.relative_period,
            "estimate": r.estimate,
            "low": r.ci_low,
            "high": r.ci_high,
        }
        for r in rows
    ]
    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X("rel:O", title=_("Rounds since the start"))
    )
    bars = base.mark_rule().encode(
        y=alt.Y("low:Q", title=_("Effect")),
        y2="high:Q",
    )
    points = base.mark_point(filled=True, size=60).encode(
        y="estimate:Q",
        tooltip=[
            alt.Tooltip("rel:O", title=_("Rounds since the start")),
            alt.Tooltip("estimate:Q", title=_("Effect"), format=".2f"),
            alt.Tooltip("low:Q", title=_("Interval"), format=".2f"),
            alt.Tooltip("high:Q", title=_("Interval"), format=".2f"),
        ],
    )
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(strokeDash=[4, 4]).encode(y="zero:Q")
    return charts.spec((zero + bars + points).properties(width="container", height=220))
