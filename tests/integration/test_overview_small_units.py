"""The overview over real modules: a unit under k yields no computable figure.

Team Nord answers the compass with 3 (under k = 5), Team Syd with 6. Whatever
part of the organisation the overview is narrowed to, neither team's own
score shows, and nothing shown lets Team Nord's be worked out by difference.
"""

import datetime as dt

import pytest
from django.utils import timezone

from tillid.compass import services
from tillid.compass.instruments import spec_for
from tillid.compass.models import Response, RoleGroup, Round
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


def answer(round_, unit, n, value):
    spec = spec_for(round_.instrument)
    sheet = {code: (6 - value if rev else value) for code, rev in spec.items}
    Response.objects.bulk_create(
        services.response_sheet(
            spec=spec,
            round_id=round_.pk,
            unit_id=unit.pk,
            role_group=RoleGroup.EMPLOYEE,
            submitted_on=round_.closes_on,
            answers=sheet,
        )
        for _i in range(n)
    )


def indicator_views(response):
    return {
        item.indicator.code: item for group in response.context["tracks"] for item in group.items
    }


def test_a_unit_under_k_shows_no_figure_through_the_overview(client, org, roles):
    employee, _leader = services.ensure_default_instruments()
    today = timezone.localdate()
    round_ = Round.objects.create(
        name="Forår",
        instrument=employee,
        root=org.root,
        opens_on=today - dt.timedelta(days=44),
        closes_on=today - dt.timedelta(days=30),
        min_group=5,
        min_comment_group=8,
    )
    answer(round_, org.team_north, 3, 5)
    answer(round_, org.team_south, 6, 3)
    login(client, roles.politician)

    # Team Nord's own score is 100 and Team Syd's 50; since Team Nord is under
    # k, showing Team Syd's would give Team Nord's by difference from the whole.
    # Every part of the organisation the politician can pick shows only cells
    # of at least k that hold both teams: the mean of all nine, 66.7.
    seen = set()
    for unit in [
        None,
        org.root,
        org.social,
        org.elder,
        org.care_home,
        org.team_north,
        org.team_south,
    ]:
        response = client.get("/overblik/", {"unit": unit.pk} if unit else {})
        for code, item in indicator_views(response).items():
            if not code.startswith("compass.trust"):
                continue
            indicator = item.indicator
            figures = [indicator.value, indicator.organisation_value]
            figures += [point.value for point in indicator.trend]
            figures += [value for _label, value in indicator.parts]
            seen.update(round(f, 6) for f in figures if f is not None)
    assert seen == {round(200 / 3, 6)}
