"""The remaining trial and delegation pages pass axe, for the roles that use them."""

import pytest
from django.urls import reverse

from tests.browser.conftest import assert_accessible, js_errors, login
from tillid.delegation import services as delegation_services
from tillid.delegation.models import BreachOutcome
from tillid.delegation.tests.helpers import breach, dose
from tillid.organisation.models import Role
from tillid.trials import services as trial_services

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_are_accessible(make_page, live_server, org, roles, make_user):
    person = org.people["P2"]
    d = dose(person, roles.leader)
    b = breach(d, roles.leader)
    delegation_services.record_repair(
        breach=b,
        steps={"learning_over_blame": True},
        repair_notes="",
        outcome=BreachOutcome.REPAIRED,
        lesson="Sig til i god tid",
        lesson_shared=True,
    )
    test = trial_services.plan_trust_test(
        by=roles.leader, subject_person=person, task=d.task, step_from=3, step_to=4, risk="low"
    )
    trial = trial_services.propose_trial(
        proposed_by=roles.employee,
        unit=org.team_north,
        title="Spisevenner",
        question="Kan frivillige spisevenner mindske ensomhed?",
        origin="citizen",
        area="civil_society",
    )
    hr = make_user(Role.HR, None, username="hr")

    leader = make_page()
    login(leader, live_server, roles.leader)
    for label, url in (
        ("the trial list", reverse("trials:list") + "?stage=idea"),
        ("the trial edit form", reverse("trials:edit", args=[trial.pk])),
        ("the trust test form", reverse("trials:trust_test_new")),
        ("a trust test", reverse("trials:detail", args=[test.pk])),
        ("a dosing", reverse("delegation:dosing", args=[d.pk])),
        ("the breach form", reverse("delegation:breach_new", args=[d.pk])),
        ("a team's dosing", reverse("delegation:team", args=[org.team_north.pk])),
    ):
        leader.goto(url)
        assert leader.url.endswith(url)
        assert_accessible(leader, label)

    employee = make_page()
    login(employee, live_server, roles.employee)
    for label, url in (
        ("the employee's own records", reverse("delegation:person", args=[person.pk])),
        ("the shared lessons", reverse("delegation:lessons")),
        ("the delegation front page for an employee", reverse("delegation:home")),
    ):
        employee.goto(url)
        assert_accessible(employee, label)
    employee.goto(reverse("delegation:lessons"))
    assert "Sig til i god tid" in employee.inner_text("main")

    hr_page = make_page()
    login(hr_page, live_server, hr)
    for label, url in (
        ("the delegation front page for HR", reverse("delegation:home")),
        ("the read log", reverse("delegation:read_log")),
    ):
        hr_page.goto(url)
        assert_accessible(hr_page, label)
    assert "Mette Hansen" in hr_page.inner_text("main")
    for page in (leader, employee, hr_page):
        assert not js_errors(page)
