"""Pages read again and again on a closing day reuse what has not changed,
and never show what has (issue 13's load)."""

import pytest
from django.urls import reverse

from tillid.compass import selectors, services
from tillid.compass.instruments import spec_for
from tillid.compass.models import Response, RoleGroup
from tillid.compass.tests.test_results import make_round
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


def test_live_rates_reuse_the_tree_but_count_every_new_answer(
    open_round, django_assert_max_num_queries
):
    round_, tokens = open_round
    selectors._RATE_FRAMES.clear()
    first = {r.unit.name: r.answered for r in selectors.response_rates(round_)}
    assert first["Plejecenter Egely"] == 0
    services.submit_response(token=tokens["N0"], answers={"cul1": 3})
    # The second read: the invitations' counts and the units' stamp, nothing else.
    with django_assert_max_num_queries(2):
        again = {r.unit.name: r.answered for r in selectors.response_rates(round_)}
    assert again["Plejecenter Egely"] == 1
    assert again["Team Nord"] == 1
    assert len(selectors._RATE_FRAMES) == 1


def test_live_rates_show_a_renamed_unit_at_once(open_round, staffed):
    round_, _tokens = open_round
    selectors.response_rates(round_)
    staffed.team_north.name = "Team Nordlys"
    staffed.team_north.save()
    names = [r.unit.name for r in selectors.response_rates(round_)]
    assert "Team Nordlys" in names
    assert "Team Nord" not in names


def _comments(round_, unit, n):
    spec = spec_for(round_.instrument)
    Response.objects.bulk_create(
        services.response_sheet(
            spec=spec,
            round_id=round_.pk,
            unit_id=unit.pk,
            role_group=RoleGroup.EMPLOYEE,
            submitted_on=round_.closes_on,
            answers=dict.fromkeys(spec.item_codes, 3),
            comment=f"Kommentar nummer {i:03d}",
        )
        for i in range(n)
    )


def test_comments_come_a_page_at_a_time_in_one_fixed_order(client, org, instruments, roles):
    round_ = make_round(org, instruments)
    _comments(round_, org.primary, 120)
    login(client, roles.consultant)
    url = reverse("compass:results", args=[round_.pk, org.primary.pk])
    pages = []
    for number in (1, 2, 3):
        response = client.get(url, {"page": number})
        assert response.status_code == 200
        pages.append(list(response.context["comments_page"]))
    assert [len(p) for p in pages] == [50, 50, 20]
    shown = [c for p in pages for c in p]
    assert sorted(shown) == [f"Kommentar nummer {i:03d}" for i in range(120)]
    # Not the order they were written in (that could point to a person), and
    # the same on the next visit, so page 2 follows page 1.
    assert shown != sorted(shown)
    assert list(client.get(url, {"page": 1}).context["comments_page"]) == pages[0]
    body = client.get(url).content.decode()
    assert body.count("Kommentar nummer") == 50
    assert 'aria-label="Sider"' in body
