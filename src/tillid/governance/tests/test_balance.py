"""Documentation neutrality: balance since the baseline, compensation for new documentation."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tillid.governance import selectors, services
from tillid.governance.models import BalanceBaseline, Kind, Review
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def baseline(db):
    return BalanceBaseline.objects.create(baseline_on=date(2025, 1, 1))


def test_new_item_after_baseline_is_added(org, baseline, item_factory):
    item_factory(
        units=[org.team_north],
        introduced_on=date(2025, 3, 1),
        minutes_per_occurrence=D(60),
        occurrences_per_year=D(3),
        no_compensation_reason="",
    )
    item_factory(
        title="Gammel",
        units=[org.team_north],
        introduced_on=date(2019, 3, 1),
        minutes_per_occurrence=D(60),
        occurrences_per_year=D(99),
    )
    team = selectors.balance(org.team_north)
    assert team.added.hours == D(6)  # 3 h × 2 people
    assert team.removed.hours == 0
    assert team.grows
    whole = selectors.balance()
    assert whole.added.hours == D(6)
    assert selectors.balance(org.school).added.hours == 0


def test_removal_shows_as_freed_hours(org, baseline, roles, item_factory):
    old = item_factory(
        title="Gammel",
        units=[org.care_home],
        introduced_on=date(2019, 3, 1),
        minutes_per_occurrence=D(12),
        occurrences_per_year=D(10),
    )
    review = services.open_review(item=old, user=roles.consultant, stake_groups=["employees"])
    services.decide_review(review=review, user=roles.consultant, decision="remove", rationale="x")
    care = selectors.balance(org.care_home)
    assert care.removed.hours == D(10)  # 120 min × 5 people
    assert not care.grows
    assert selectors.balance(org.team_north).removed.hours == D(4)


def test_change_counts_the_difference_and_a_new_item_removed_nets_zero(
    org, baseline, roles, item_factory
):
    old = item_factory(
        title="Gammel",
        units=[org.team_north],
        introduced_on=date(2019, 3, 1),
        minutes_per_occurrence=D(30),
        occurrences_per_year=D(10),
    )
    review = services.open_review(item=old, user=roles.consultant, stake_groups=["employees"])
    services.decide_review(
        review=review,
        user=roles.consultant,
        decision="anchor",
        rationale="Kun afvigelser",
        new_activity_name="Afvigelser",
        new_minutes_per_occurrence=D(10),
        new_occurrences_per_year=D(6),
    )
    assert selectors.balance(org.team_north).removed.hours == D(8)  # (300 − 60) × 2 / 60
    new = item_factory(
        title="Ny",
        units=[org.team_north],
        introduced_on=date(2025, 6, 1),
        minutes_per_occurrence=D(60),
        occurrences_per_year=D(1),
    )
    review = services.open_review(item=new, user=roles.consultant, stake_groups=["employees"])
    services.decide_review(review=review, user=roles.consultant, decision="remove", rationale="x")
    team = selectors.balance(org.team_north)
    assert team.added.hours == D(2)
    assert team.removed.hours == D(8 + 2)


def test_decisions_before_baseline_do_not_count(org, roles, item_factory):
    old = item_factory(
        title="Gammel",
        units=[org.team_north],
        introduced_on=date(2019, 3, 1),
        minutes_per_occurrence=D(30),
        occurrences_per_year=D(10),
    )
    review = services.open_review(item=old, user=roles.consultant, stake_groups=["employees"])
    services.decide_review(
        review=review,
        user=roles.consultant,
        decision="remove",
        rationale="x",
        decided_on=date(2024, 6, 1),
    )
    BalanceBaseline.objects.create(baseline_on=date(2025, 1, 1))
    assert selectors.balance(org.team_north).removed.hours == 0


def test_new_documentation_requires_compensation(client, org, roles, item_factory):
    compensating = item_factory(title="Dobbeltregistrering", units=[org.care_home])
    login(client, roles.consultant)
    data = {
        "title": "Nyt dokumentationskrav",
        "kind": Kind.DOCUMENTATION,
        "layer": "administration",
        "units": [org.care_home.pk],
        "introduced_on": timezone.localdate().isoformat(),
        "basis": "estimate",
    }
    response = client.post(reverse("governance:item_create"), data)
    assert response.status_code == 200
    assert "Et nyt dokumentationskrav skal opvejes" in response.content.decode()
    response = client.post(
        reverse("governance:item_create"), {**data, "compensated_by": compensating.reference}
    )
    assert response.status_code == 302
    # A review of the compensating item is opened for its removal.
    assert Review.objects.filter(item=compensating).exists()
    response = client.post(
        reverse("governance:item_create"),
        {**data, "title": "Andet krav", "no_compensation_reason": "Påbudt af tilsynet."},
    )
    assert response.status_code == 302


def test_documentation_older_than_baseline_needs_no_compensation(org, item_factory):
    item = item_factory(
        kind=Kind.DOCUMENTATION,
        units=[org.care_home],
        introduced_on=timezone.localdate() - timedelta(days=3000),
    )
    assert item.pk


def test_unit_page_shows_red_balance_with_text(client, org, roles, baseline, item_factory):
    item_factory(
        units=[org.team_north],
        introduced_on=date(2025, 3, 1),
        minutes_per_occurrence=D(60),
        occurrences_per_year=D(3),
    )
    login(client, roles.employee)
    body = client.get(reverse("governance:unit", args=[org.team_north.pk])).content.decode()
    assert "alert alert-error" in body
    assert "Byrden vokser" in body
    body = client.get(reverse("governance:unit", args=[org.school.pk])).content.decode()
    assert "Dokumentationsneutral" in body
    assert "alert alert-error" not in body


def test_baseline_form_for_managers_only(client, roles):
    login(client, roles.consultant)
    response = client.post(reverse("governance:balance"), {"baseline_on": "2024-01-01"})
    assert response.status_code == 302
    assert selectors.baseline() == date(2024, 1, 1)
    response = client.post(reverse("governance:balance"), {"baseline_on": "2999-01-01"})
    assert "Basisdatoen kan ikke ligge i fremtiden." in response.content.decode()
    login(client, roles.employee)
    assert (
        client.post(reverse("governance:balance"), {"baseline_on": "2020-01-01"}).status_code == 403
    )
    assert selectors.baseline() == date(2024, 1, 1)
