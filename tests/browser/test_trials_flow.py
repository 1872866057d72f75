"""A trial action end to end in the browser: propose → approve → run with
observations → evaluate → adopted by a second unit."""

import pytest
from django.urls import reverse

from tests.browser.conftest import assert_accessible, js_errors, login
from tillid.trials.models import Stage, Trial

pytestmark = pytest.mark.django_db(transaction=True)


def _click(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_propose_approve_run_evaluate_and_adopt(make_page, live_server, org, roles, person_user):
    # 1. An employee proposes an idea.
    employee = make_page()
    login(employee, live_server, roles.employee)
    employee.goto(reverse("trials:board"))
    assert_accessible(employee, "the trial board")
    _click(employee, f"a[href='{reverse('trials:propose')}']")
    employee.fill("#id_title", "Velkomst efter udskrivelse")
    employee.fill("#id_question", "Hvordan tager vi imod borgeren, når hun kommer hjem?")
    employee.select_option("#id_unit", str(org.team_north.pk))
    employee.select_option("#id_origin", "relative")
    employee.select_option("#id_area", "coordination")
    employee.check("input[name=participant_kinds][value=citizens]")
    employee.check("input[name=participant_kinds][value=relatives]")
    employee.fill("#id_success_criteria", "Første besøg samme dag")
    assert_accessible(employee, "the proposal form")
    _click(employee, "main form button.button-primary")
    trial = Trial.objects.get()
    assert trial.stage == Stage.IDEA
    assert "Mette Hansen" in employee.inner_text("main")  # the nearest leader takes it up

    # 2. The leader above the team takes it up and starts it.
    leader = make_page()
    login(leader, live_server, roles.leader)
    leader.goto(reverse("trials:board"))
    assert "Velkomst efter udskrivelse" in leader.inner_text("#waiting-heading + ul")
    leader.goto(reverse("trials:detail", args=[trial.pk]))
    assert_accessible(leader, "the trial page for its leader")
    _click(leader, f"form[action='{reverse('trials:approve', args=[trial.pk])}'] button")
    assert leader.inner_text("#trial-stage") == "Godkendt til afprøvning"
    _click(leader, "form:has(input[name=to_stage][value=running]) button")
    assert leader.inner_text("#trial-stage") == "I gang"

    # 3. The team logs observations about effect and process.
    employee.goto(reverse("trials:detail", args=[trial.pk]))
    for kind, text in (
        ("effect", "Borgeren var tryg første aften"),
        ("process", "Sygehuset ringede for sent"),
    ):
        employee.select_option("#id_obs-kind", kind)
        employee.fill("#id_obs-text", text)
        _click(employee, "#observations form button")
    assert "Borgeren var tryg første aften" in employee.inner_text("#observations table")
    assert_accessible(employee, "the running trial")

    # 4. The leader evaluates it.
    leader.goto(reverse("trials:detail", args=[trial.pk]))
    leader.fill("#id_eval-what_worked", "Fast kontaktperson den første uge")
    leader.fill("#id_eval-evidence", "To observationer og tre samtaler med pårørende")
    leader.select_option("#id_eval-criteria_met", "yes")
    _click(leader, "#evaluation form button")
    assert leader.inner_text("#trial-stage") == "Evalueret"

    # 5. The leader of another unit adopts it: the spread is counted.
    school_leader = make_page()
    login(school_leader, live_server, person_user(org.people["P6"]))
    school_leader.goto(reverse("trials:detail", args=[trial.pk]))
    school_leader.select_option("#id_adopt-unit", str(org.school.pk))
    _click(school_leader, "#adoptions form button")
    assert school_leader.inner_text("#trial-stage") == "Udbredes"
    assert school_leader.inner_text("#spread-count") == "1"
    assert "Egeskolen" in school_leader.inner_text("#adoptions")
    history = school_leader.inner_text("#history table")
    for stage in ("Idé", "Godkendt til afprøvning", "I gang", "Evalueret", "Udbredes"):
        assert stage in history
    assert_accessible(school_leader, "the spreading trial")
    for page in (employee, leader, school_leader):
        assert not js_errors(page)
