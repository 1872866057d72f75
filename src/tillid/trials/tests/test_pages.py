import pytest
from django.urls import reverse
from django.utils import timezone

from tillid.organisation.testing import login
from tillid.trials import services
from tillid.trials.models import Stage, Trial

pytestmark = pytest.mark.django_db


def _idea(org, user, **extra):
    return services.propose_trial(
        proposed_by=user,
        unit=extra.pop("unit", org.team_north),
        title=extra.pop("title", "Samarbejde med pårørende"),
        question="Hvordan inddrager vi de pårørende tidligere?",
        origin="relative",
        area=extra.pop("area", "relatives"),
        **extra,
    )


def test_employee_proposes_an_idea_and_sees_the_nearest_leader(client, org, roles):
    login(client, roles.employee)
    response = client.post(
        reverse("trials:propose"),
        {
            "title": "Motionsfællesskab med frivillige",
            "question": "Kan frivillige bære et ugentligt motionshold?",
            "unit": org.team_north.pk,
            "origin": "citizen",
            "area": "civil_society",
            "participant_kinds": ["citizens", "volunteers"],
            "success_criteria": "Ti faste deltagere efter to måneder",
        },
    )
    trial = Trial.objects.get()
    assert response.status_code == 302
    assert trial.stage == Stage.IDEA
    assert trial.participant_kinds == ["citizens", "volunteers"]
    page = client.get(reverse("trials:detail", args=[trial.pk])).content.decode()
    assert "Mette Hansen" in page  # the nearest leader, at Plejecenter Egely


def test_bad_dates_are_refused_in_danish_and_nothing_is_saved(client, org, roles):
    login(client, roles.employee)
    response = client.post(
        reverse("trials:propose"),
        {
            "title": "X",
            "question": "Y?",
            "unit": org.team_north.pk,
            "origin": "employee",
            "area": "coordination",
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
        },
    )
    assert response.status_code == 200
    assert "Slutdatoen" in response.content.decode()
    assert not Trial.objects.exists()


def test_only_a_leader_above_the_unit_can_approve(client, org, roles, person_user):
    trial = _idea(org, roles.employee)
    login(client, roles.employee)
    assert client.post(reverse("trials:approve", args=[trial.pk])).status_code == 403
    sibling_leader = person_user(org.people["P5"])  # leads Team Syd
    login(client, sibling_leader)
    assert client.post(reverse("trials:approve", args=[trial.pk])).status_code == 403
    login(client, roles.leader)
    response = client.post(reverse("trials:approve", args=[trial.pk]))
    assert response.status_code == 302
    trial.refresh_from_db()
    assert trial.stage == Stage.APPROVED
    assert trial.owner == org.people["P1"]


def test_leader_runs_and_sends_back_with_reason(client, org, roles):
    trial = _idea(org, roles.employee)
    login(client, roles.leader)
    client.post(reverse("trials:approve", args=[trial.pk]))
    client.post(reverse("trials:move", args=[trial.pk]), {"to_stage": "running"})
    trial.refresh_from_db()
    assert trial.stage == Stage.RUNNING
    response = client.post(
        reverse("trials:move", args=[trial.pk]), {"to_stage": "approved"}, follow=True
    )
    assert "Giv en begrundelse" in response.content.decode()
    trial.refresh_from_db()
    assert trial.stage == Stage.RUNNING
    client.post(
        reverse("trials:move", args=[trial.pk]),
        {"to_stage": "approved", "reason": "Vi mangler aftaler med pårørende"},
    )
    trial.refresh_from_db()
    assert trial.stage == Stage.APPROVED
    page = client.get(reverse("trials:detail", args=[trial.pk])).content.decode()
    assert "Vi mangler aftaler med pårørende" in page  # the stage history on the page


def test_team_member_logs_observation_but_outsider_cannot(client, org, roles):
    trial = _idea(org, roles.employee)
    services.approve(trial=trial, by=roles.leader)
    services.transition(trial=trial, to_stage=Stage.RUNNING, by=roles.leader)
    data = {
        "obs-kind": "process",
        "obs-text": "Pårørende ringer mindre",
        "obs-observed_on": timezone.localdate(),
    }
    login(client, roles.other_employee)
    assert client.post(reverse("trials:add_observation", args=[trial.pk]), data).status_code == 403
    login(client, roles.employee)
    client.post(reverse("trials:add_observation", args=[trial.pk]), data)
    assert trial.observations.count() == 1


def test_board_lists_every_stage_with_headings(client, org, roles):
    _idea(org, roles.employee, title="Idé A")
    login(client, roles.employee)
    response = client.get(reverse("trials:board"))
    body = response.content.decode()
    assert [c["count"] for c in response.context["columns"]] == [1, 0, 0, 0, 0, 0]
    assert '<h3 id="stage-idea">' in body
    assert "Idé A" in body


def test_leader_board_shows_ideas_waiting(client, org, roles):
    _idea(org, roles.employee, title="Venter på lederen")
    login(client, roles.leader)
    response = client.get(reverse("trials:board"))
    assert [t.title for t in response.context["waiting"]] == ["Venter på lederen"]


def test_list_filters_by_unit_stage_area_and_search(client, org, roles):
    _idea(org, roles.employee, title="Nord-idé", area="relatives")
    _idea(org, roles.employee, title="Skole-idé", unit=org.school, area="documentation")
    login(client, roles.employee)
    url = reverse("trials:list")
    titles = lambda r: [t.title for t in r.context["page_obj"]]  # noqa: E731
    assert sorted(titles(client.get(url))) == ["Nord-idé", "Skole-idé"]
    assert titles(client.get(url, {"unit": org.elder.pk})) == ["Nord-idé"]
    assert titles(client.get(url, {"area": "documentation"})) == ["Skole-idé"]
    assert titles(client.get(url, {"stage": "running"})) == []
    assert titles(client.get(url, {"q": "skole"})) == ["Skole-idé"]
    assert titles(client.get(url, {"governance": "yes"})) == []
    empty = client.get(url, {"stage": "running"}).content.decode()
    assert "Ingen prøvehandlinger" in empty


def test_trust_test_page_is_hidden_from_a_colleague(client, org, roles, person_user):
    test = services.plan_trust_test(
        by=roles.leader,
        subject_person=org.people["P2"],
        task="Aftale besøgstider",
        step_from=3,
        step_to=4,
        risk="low",
    )
    colleague = person_user(org.people["P3"])
    login(client, colleague)
    assert client.get(reverse("trials:detail", args=[test.pk])).status_code == 404
    login(client, roles.employee)
    assert client.get(reverse("trials:detail", args=[test.pk])).status_code == 200
    # The person concerned cannot record the outcome of their own trust test.
    response = client.post(
        reverse("trials:trust_outcome", args=[test.pk]), {"outcome-outcome": "held"}
    )
    assert response.status_code == 403


def test_leader_plans_a_trust_test_from_the_form(client, org, roles):
    login(client, roles.leader)
    response = client.post(
        reverse("trials:trust_test_new"),
        {
            "person": org.people["P2"].pk,
            "task": "Selv planlægge weekendvagter",
            "step_from": 2,
            "step_to": 3,
            "risk": "medium",
        },
    )
    test = Trial.objects.get()
    assert response.status_code == 302
    assert test.is_trust_test
    assert test.subject_person == org.people["P2"]
    # A person outside the leader's units is not in the list.
    response = client.post(
        reverse("trials:trust_test_new"),
        {"person": org.people["P7"].pk, "task": "x", "step_from": 1, "step_to": 2, "risk": "low"},
    )
    assert response.status_code == 200
    assert Trial.objects.count() == 1


def test_evaluate_and_adopt_through_the_pages(client, org, roles, person_user):
    trial = _idea(org, roles.employee)
    services.approve(trial=trial, by=roles.leader)
    services.transition(trial=trial, to_stage=Stage.RUNNING, by=roles.leader)
    login(client, roles.leader)
    response = client.post(
        reverse("trials:evaluate", args=[trial.pk]),
        {
            "eval-what_worked": "Faste kontaktpersoner",
            "eval-evidence": "12 observationer",
            "eval-criteria_met": "yes",
        },
    )
    assert response.status_code == 302
    trial.refresh_from_db()
    assert trial.stage == Stage.EVALUATED
    school_leader = person_user(org.people["P6"])
    login(client, school_leader)
    page = client.get(reverse("trials:detail", args=[trial.pk]))
    assert page.context["can_adopt"]
    assert list(page.context["adoption_form"].fields["unit"].queryset) == [
        org.school,
        org.primary,
    ]
    # Not into a unit the leader does not lead.
    client.post(reverse("trials:adopt", args=[trial.pk]), {"adopt-unit": org.team_south.pk})
    assert trial.adoptions.count() == 0
    client.post(
        reverse("trials:adopt", args=[trial.pk]),
        {"adopt-unit": org.school.pk, "adopt-note": "Prøver i SFO"},
    )
    trial.refresh_from_db()
    assert trial.stage == Stage.SPREADING
    assert [a.unit for a in trial.adoptions.all()] == [org.school]
    page = client.get(reverse("trials:detail", args=[trial.pk])).content.decode()
    assert 'id="spread-count">1<' in page


def test_leader_edits_owner_and_links_governance(client, org, roles):
    trial = _idea(org, roles.employee)
    login(client, roles.leader)
    form = client.get(reverse("trials:edit", args=[trial.pk])).context["form"]
    assert org.people["P3"] in form.fields["owner"].queryset
    assert org.people["P7"] not in form.fields["owner"].queryset
    data = {
        "title": "Nyt navn",
        "question": trial.question,
        "unit": org.team_north.pk,
        "origin": "relative",
        "area": "relatives",
        "owner": org.people["P3"].pk,
    }
    assert client.post(reverse("trials:edit", args=[trial.pk]), data).status_code == 302
    trial.refresh_from_db()
    assert (trial.title, trial.owner) == ("Nyt navn", org.people["P3"])
    # Moving it to a unit the leader does not lead is refused.
    response = client.post(reverse("trials:edit", args=[trial.pk]), {**data, "unit": org.school.pk})
    assert response.status_code == 200
    trial.refresh_from_db()
    assert trial.unit == org.team_north
    client.post(
        reverse("trials:link_governance", args=[trial.pk]),
        {
            "gov-title": "Faste besøgstider",
            "gov-effect": "changes",
            "gov-note": "Borgeren vælger tidspunkt",
        },
    )
    assert trial.governance_links.get().title == "Faste besøgstider"
    response = client.post(
        reverse("trials:link_governance", args=[trial.pk]), {"gov-effect": "changes"}, follow=True
    )
    assert "Vælg et punkt i registret" in response.content.decode()
    login(client, roles.employee)
    assert client.get(reverse("trials:edit", args=[trial.pk])).status_code == 403


def test_list_filters_by_governance_register_item(client, org, roles, monkeypatch):
    from tillid.trials import selectors

    monkeypatch.setattr(selectors, "governance_choices", lambda: [(42, "Faste minutter")])
    linked = _idea(org, roles.employee, title="Med undtagelse")
    _idea(org, roles.employee, title="Uden undtagelse")
    services.link_governance(
        trial=linked, governance_item_id=42, title="Faste minutter", effect="suspends"
    )
    login(client, roles.employee)
    response = client.get(reverse("trials:list"), {"governance_item": 42})
    assert [t.title for t in response.context["page_obj"]] == ["Med undtagelse"]
    assert 'id="id_governance_item"' in response.content.decode()
    detail = client.get(reverse("trials:detail", args=[linked.pk])).content.decode()
    assert "register nr. 42" in detail


def test_team_members_read_their_team_trust_test_without_acting_on_it(
    client, org, roles, person_user
):
    test = services.plan_trust_test(
        by=roles.leader,
        subject_unit=org.team_north,
        task="Teamet aftaler selv ferieplanen",
        step_from=1,
        step_to=2,
        risk="low",
    )
    url = reverse("trials:detail", args=[test.pk])
    login(client, person_user(org.people["P3"]))  # Team Nord
    page = client.get(url)
    assert page.status_code == 200
    assert "Teamet aftaler selv ferieplanen" in page.content.decode()
    assert reverse("trials:trust_outcome", args=[test.pk]) not in page.content.decode()
    assert "Teamet aftaler selv ferieplanen" in client.get(reverse("trials:list")).content.decode()
    response = client.post(
        reverse("trials:trust_outcome", args=[test.pk]), {"outcome-outcome": "held"}
    )
    assert response.status_code == 403
    test.refresh_from_db()
    assert test.outcome == ""
    login(client, person_user(org.people["P4"]))  # Team Syd
    assert client.get(url).status_code == 404
