import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tillid.delegation.models import BreachOutcome, Dosing
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


REVIEW = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
RATINGS = {
    "task": "Selv planlægge weekendvagter",
    "competence": 4,
    "intention": 4,
    "resources": 3,
    "consequence": 2,
    "reversibility": 2,
    "review_on": REVIEW,
}


def test_bad_faith_points_to_hr_and_hides_the_repair_form(client, org, roles):
    from tillid.delegation.tests.helpers import breach, dose

    d = dose(org.people["P2"], roles.leader)
    b = breach(d, roles.leader, causes={}, bad_faith_suspected=True)
    login(client, roles.leader)
    page = client.get(reverse("delegation:breach", args=[b.pk])).content.decode()
    assert "HR-processen" in page
    assert "Gem reparationen" not in page
    response = client.post(
        reverse("delegation:breach", args=[b.pk]), {"outcome": BreachOutcome.REPAIRED}
    )
    assert response.status_code == 200
    b.refresh_from_db()
    assert b.outcome == BreachOutcome.HR


def test_suggestion_fragment(client, org, roles):
    login(client, roles.leader)
    response = client.post(reverse("delegation:suggestion"), RATINGS)
    assert "Foreslået trin: 3" in response.content.decode()
    login(client, roles.employee)
    assert client.post(reverse("delegation:suggestion"), RATINGS).status_code == 403


def test_team_dosing(client, org, roles):
    login(client, roles.leader)
    new = reverse("delegation:dosing_new") + f"?team={org.team_north.pk}"
    client.post(new, {**RATINGS, "chosen_step": 3})
    dosing = Dosing.objects.get()
    assert dosing.subject_unit == org.team_north
    page = client.get(reverse("delegation:team", args=[org.team_north.pk]))
    assert page.status_code == 200
    assert [row.step for row in page.context["history"]] == [3]
    login(client, roles.employee)  # a member reads the mandate on own page, not the team page
    assert client.get(reverse("delegation:team", args=[org.team_north.pk])).status_code == 403


def test_home_for_an_employee_links_own_records(client, org, roles):
    login(client, roles.employee)
    response = client.get(reverse("delegation:home"))
    assert response.status_code == 200
    assert "page_obj" not in response.context
    mine = client.get(reverse("delegation:mine"))
    assert mine.status_code == 200
    assert mine.context["is_self"]
    login(client, roles.politician)
    assert client.get(reverse("delegation:home")).status_code == 403
