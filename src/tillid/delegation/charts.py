"""The delegation chart: the chosen step on the trust ladder over time, per task."""

import altair as alt
from django.utils.translation import gettext as _

from tillid.core import charts
from tillid.delegation import selectors
from tillid.delegation.access import Subject
from tillid.delegation.ladder import Step


def chart_spec(subject: Subject) -> dict | None:
    """A Vega-Lite spec (built with altair) of the chosen step over time, per task."""
    dosings = list(selectors.dosings_for(subject))
    if not dosings:
        return None
    step_title = _("Step on the trust ladder")
    date_title = _("Date")
    task_title = _("Task")
    data = alt.Data(
        values=[
            {
                "date": d.created_at.date().isoformat(),
                "step": d.chosen_step,
                "task": d.task,
                "label": str(Step(d.chosen_step).label),
            }
            for d in dosings
        ]
    )
    chart = (
        alt.Chart(data)
        .mark_line(point=True, interpolate="step-after")
        .encode(
            # Numeric dates read the same in Danish and English.
            x=alt.X("date:T", title=date_title, axis=alt.Axis(format="%d.%m.%Y")),
            y=alt.Y(
                "step:Q",
                title=step_title,
                scale=alt.Scale(domain=[1, 5]),
                axis=alt.Axis(values=[1, 2, 3, 4, 5], format="d"),
            ),
            color=alt.Color("task:N", title=task_title),
            tooltip=[
                alt.Tooltip("date:T", title=date_title, format="%d.%m.%Y"),
                alt.Tooltip("task:N", title=task_title),
                alt.Tooltip("label:N", title=step_title),
            ],
        )
        .properties(width="container", height=260)
    )
    return charts.spec(chart)
