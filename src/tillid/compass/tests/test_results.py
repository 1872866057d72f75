import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tillid.compass import selectors, services
from tillid.compass.instruments import spec_for
from tillid.compass.models import DialogueAction, Response, RoleGroup, Round
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


def make_round(org, instruments, *, name="Runde", days_ago=30, leader_instrument=True):
    today = timezone.localdate()
    return Round.objects.create(
        name=name,
        instrument=instruments.employee,
        leader_instrument=instruments.leader if leader_instrument else None,
        root=org.root,
        opens_on=today - timedelta(days=days_ago + 14),
        closes_on=today - timedelta(days=days_ago),
        min_group=5,
        min_comment_group=8,
    )


def add_responses(round_, unit, n, *, value=4, role=RoleGroup.EMPLOYEE, comment=""):
    spec = spec_for(round_.instrument)
    Response.objects.bulk_create(
        services.response_sheet(
            spec=spec,
            round_id=round_.pk,
            unit_id=unit.pk,
            role_group=role,
            submitted_on=round_.closes_on,
            answers={c: value if i % 2 else min(5, value + 1) for c in spec.item_codes},
            comment=comment,
        )
        for i in range(n)
    )


def test_sheets_stored_before_packing_give_the_same_figures(closed, org):
    packed = selectors._compute_results(closed)
    Response.objects.filter(round=closed, unit=org.primary).update(packed="")
    unpacked = selectors._compute_results(closed)
    assert unpacked.disclosure.visible == packed.disclosure.visible
    assert unpacked.shown_cells() == packed.shown_cells() > 0
    assert unpacked.position == packed.position
    assert unpacked.sums == pytest.approx(packed.sums)


@pytest.fixture
def closed(org, instruments):
    """Team Nord 9 employees (value 4) + 1 leader; Team Syd 3 (value 2); school 8."""
    round_ = make_round(org, instruments)
    add_responses(round_, org.team_north, 9, value=4, comment="Vi hjælper hinanden")
    add_responses(round_, org.team_north, 1, role=RoleGroup.LEADER)
    add_responses(round_, org.team_south, 3, value=2)
    add_responses(round_, org.primary, 8, value=3, comment="Mere tid")
    return round_


def test_small_team_and_its_complement_are_hidden(closed, org):
    results = selectors.round_results(closed)
    # Team Syd (3) is under k; Plejecenter Egely = Nord + Syd, so Nord must hide too.
    assert results.score("culture", org.team_south.pk) is None
    assert results.score("culture", org.team_north.pk) is None
    assert results.score("culture", org.care_home.pk).n == 13
    # The lone leader in Team Nord: neither role filter may be shown there.
    assert results.score("culture", org.team_north.pk, RoleGroup.LEADER) is None
    care_all = results.score("culture", org.care_home.pk)
    care_emp = results.score("culture", org.care_home.pk, RoleGroup.EMPLOYEE)
    assert care_emp is None or care_all is None
    assert results.score("culture", org.root.pk).n == 21


def test_leader_sees_results_of_own_unit(client, closed, org, roles):
    login(client, roles.leader)
    response = client.get(reverse("compass:results", args=[closed.pk, org.care_home.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["visible"]
    assert "Stærkest" in body
    assert "Skjult" in body  # Team Nord and Team Syd rows
    assert "elements-spec" in body
    children = {c["unit"].name: c for c in response.context["children"]}
    # Hidden cells show no count either (issue 15): "skjult", like their scores.
    assert children["Team Syd"]["n"] is None
    assert all(s is None for s in children["Team Syd"]["scores"])
    assert all(s is None for s in children["Team Nord"]["scores"])
    # Reflection questions for the weakest elements.
    assert response.context["reflection"]


def test_below_k_neither_figures_nor_the_count(client, closed, org, roles, person_user):
    leader = person_user(org.people["P5"])  # leads Team Syd
    login(client, leader)
    response = client.get(reverse("compass:results", args=[closed.pk, org.team_south.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert not response.context["visible"]
    assert response.context["n"] is None
    assert "Der vises ingen tal for denne enhed" in body
    assert "3 personer" not in body
    assert "elements-spec" not in body


def test_employee_sees_only_own_unit(client, closed, org, roles):
    login(client, roles.employee)  # Team Nord
    assert (
        client.get(reverse("compass:results", args=[closed.pk, org.team_north.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("compass:results", args=[closed.pk, org.school.pk])).status_code == 403
    )
    assert (
        client.get(reverse("compass:results", args=[closed.pk, org.care_home.pk])).status_code
        == 403
    )


def test_politician_sees_everything_under_the_same_rules(client, closed, org, roles):
    login(client, roles.politician)
    response = client.get(reverse("compass:results", args=[closed.pk, org.team_south.pk]))
    assert response.status_code == 200
    assert not response.context["visible"]


def test_comments_need_the_larger_group_and_carry_the_closing_date(client, closed, org, roles):
    login(client, roles.administrator)
    school = client.get(reverse("compass:results", args=[closed.pk, org.school.pk]))
    assert school.context["comments_allowed"]
    assert school.context["comments"] == ["Mere tid"] * 8
    # Team Nord has 10 respondents but is hidden (complement of Team Syd).
    care = client.get(reverse("compass:results", args=[closed.pk, org.care_home.pk]))
    assert care.context["comments_allowed"]
    assert len(care.context["comments"]) == 9
    body = care.content.decode()
    assert closed.closes_on.strftime("%Y") in body


def test_open_round_shows_no_results(client, org, instruments, roles):
    round_ = make_round(org, instruments, days_ago=-5)
    add_responses(round_, org.team_north, 9)
    login(client, roles.administrator)
    response = client.get(reverse("compass:results", args=[round_.pk, org.team_north.pk]))
    assert "rows" in response.context
    assert "Runden er åben" in response.content.decode()
    assert "elements-spec" not in response.content.decode()


def test_change_from_previous_round(client, org, instruments, roles):
    old = make_round(org, instruments, name="Forår", days_ago=200)
    add_responses(old, org.primary, 8, value=2)
    new = make_round(org, instruments, name="Efterår", days_ago=10)
    add_responses(new, org.primary, 8, value=4)
    results = selectors.round_results(new)
    previous = selectors.round_results(selectors.previous_round(new, org.primary))
    rows = selectors.unit_view(results, org.primary, previous)
    culture = next(r for r in rows if r.code == "culture")
    diff, low, high = culture.change
    assert diff > 0
    assert low <= diff <= high


def test_self_assessment_is_private_until_shared(client, closed, org, roles, instruments):
    login(client, roles.leader)
    url = reverse("compass:self_assessment", args=[closed.pk, org.care_home.pk])
    data = {f"q_{c}": "5" for c in instruments.leader.items.values_list("code", flat=True)}
    assert client.post(url, data).status_code == 302
    own = client.get(reverse("compass:results", args=[closed.pk, org.care_home.pk]))
    culture = next(r for r in own.context["compass_rows"] if r.code == "culture")
    assert culture.self_assessment == pytest.approx(100)
    client.logout()
    login(client, roles.administrator)
    other = client.get(reverse("compass:results", args=[closed.pk, org.care_home.pk]))
    assert other.context["assessment"] is None
    client.logout()
    login(client, roles.leader)
    data["shared"] = "on"
    client.post(url, data)
    client.logout()
    login(client, roles.administrator)
    other = client.get(reverse("compass:results", args=[closed.pk, org.care_home.pk]))
    assert other.context["assessment"] is not None


def test_dialogue_meeting_with_actions_is_followed_up(client, closed, org, roles):
    login(client, roles.leader)
    url = reverse("compass:meeting_new", args=[org.care_home.pk]) + f"?runde={closed.pk}"
    response = client.post(
        url,
        {
            "round": closed.pk,
            "held_on": timezone.localdate().isoformat(),
            "participants": "12",
            "agreements": "Vi prøver at dokumentere afvigelser i stedet for alt.",
            "actions-TOTAL_FORMS": "3",
            "actions-INITIAL_FORMS": "0",
            "actions-0-title": "Afprøv afvigelsesdokumentation",
            "actions-0-owner": "Mette",
            "actions-0-due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "actions-1-title": "Halv handling",
        },
    )
    # The half-filled second action is refused with a Danish message; nothing saved.
    assert response.status_code == 200
    assert "skal have en beskrivelse" in response.content.decode()
    assert not DialogueAction.objects.exists()
    response = client.post(
        url,
        {
            "round": closed.pk,
            "held_on": timezone.localdate().isoformat(),
            "participants": "12",
            "agreements": "Vi prøver at dokumentere afvigelser i stedet for alt.",
            "actions-TOTAL_FORMS": "3",
            "actions-INITIAL_FORMS": "0",
            "actions-0-title": "Afprøv afvigelsesdokumentation",
            "actions-0-owner": "Mette",
            "actions-0-due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    action = DialogueAction.objects.get()
    assert action.meeting.round == closed
    page = client.get(reverse("compass:dialogue", args=[org.care_home.pk]))
    assert "Afprøv afvigelsesdokumentation" in page.content.decode()
    client.post(reverse("compass:action_update", args=[action.pk]), {"status": "done"})
    action.refresh_from_db()
    assert action.status == "done"
    # An employee may read the dialogue page but not record.
    client.logout()
    login(client, roles.employee)
    assert client.get(reverse("compass:meeting_new", args=[org.team_north.pk])).status_code == 403


def test_xlsx_and_pdf_follow_the_rules(client, closed, org, roles):
    from openpyxl import load_workbook

    login(client, roles.administrator)
    response = client.get(reverse("compass:results_xlsx", args=[closed.pk, org.care_home.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = {(r[0], r[1]): r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[("Team Syd", "Alle")][3] == "Skjult (for få svar)"
    assert rows[("Team Nord", "Alle")][3] == "Skjult (for få svar)"
    assert isinstance(rows[("Plejecenter Egely", "Alle")][3], float)
    pdf = client.get(reverse("compass:results_pdf", args=[closed.pk, org.care_home.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_api_gives_aggregates_under_the_rules(client, closed, org, roles):
    login(client, roles.politician)
    response = client.get(f"/api/compass/rounds/{closed.pk}/results")
    assert response.status_code == 200
    units = {u["name"]: u for u in response.json()["units"]}
    assert units["Team Syd"]["groups"]["all"]["scores"]["culture"] is None
    assert units["Team Syd"]["groups"]["all"]["n"] is None  # hidden: no count either
    assert units["Egeskov Kommune"]["groups"]["all"]["scores"]["culture"]["n"] == 21
    assert "answers" not in json.dumps(response.json())
    assert client.get("/api/compass/rounds").status_code == 200


def test_results_and_reliability_commands(closed):
    out = io.StringIO()
    call_command("compass_results", "--round", str(closed.pk), "--json", stdout=out)
    data = json.loads(out.getvalue())
    names = {u["name"]: u for u in data["units"]}
    assert names["Team Syd"]["groups"]["all"]["scores"]["culture"] is None
    out = io.StringIO()
    call_command("compass_reliability", "--round", str(closed.pk), "--json", stdout=out)
    rel = json.loads(out.getvalue())
    assert rel["respondents"] == 21
    assert set(rel["dimensions"]) >= {"culture", "structure", "test", "repair"}


def test_letters_and_reminders_need_manage_permission(client, closed, roles):
    login(client, roles.leader)
    assert client.post(reverse("compass:round_letters", args=[closed.pk])).status_code == 403
    assert client.post(reverse("compass:round_reminders", args=[closed.pk])).status_code == 403


def test_closed_round_has_results_link_on_index(client, closed, roles):
    login(client, roles.employee)
    response = client.get(reverse("compass:index"))
    assert response.status_code == 200
    row = response.context["rows"][0]
    assert row["unit"].name == "Team Nord"


def test_round_submission_then_results(open_round, org):
    round_, tokens = open_round
    for ext in ["N0", "N1", "N2", "N3", "N4", "N5"]:
        services.submit_response(token=tokens[ext], answers={"cul1": 4, "cul2": 4})
    services.close_round(round_=round_)
    results = selectors.round_results(round_)
    assert results.count(org.care_home.pk) == 6
    assert results.score("culture", org.care_home.pk).mean == pytest.approx(75)


def test_reliability_page_and_results_link_for_a_leader(client, closed, org, roles):
    login(client, roles.administrator)
    response = client.get(reverse("compass:round_reliability", args=[closed.pk]))
    assert response.status_code == 200
    names = [r["name"] for r in response.context["rows"]]
    assert "Tillidskultur" in names
    assert "Pålidelighed" in response.content.decode()
    client.logout()
    login(client, roles.leader)
    assert client.get(reverse("compass:round_reliability", args=[closed.pk])).status_code == 403
    detail = client.get(reverse("compass:round", args=[closed.pk]))
    assert detail.context["results_unit"] == org.care_home


def test_forms_and_lists_render_in_danish(client, closed, org, roles, instruments):
    login(client, roles.consultant)
    new = client.get(reverse("compass:round_new"))
    assert new.status_code == 200
    assert "Åbn runden og send invitationer" in new.content.decode()
    detail = client.get(reverse("compass:round", args=[closed.pk])).content.decode()
    assert "Svarprocenter" in detail
    assert "Anonymitetsindstillingerne" not in detail  # nothing changed yet
    assert "låst" in detail  # responses exist, so the settings are locked
    assert (
        "Importér tidligere besvarelser" in client.get(reverse("compass:import")).content.decode()
    )
    start = client.get(reverse("compass:answer_start")).content.decode()
    assert "Indtast koden fra dit brev" in start
    login(client, roles.leader)
    dialogue = client.get(reverse("compass:dialogue", args=[org.care_home.pk])).content.decode()
    assert "Ingen handlinger endnu" in dialogue
    assert "Der er ikke registreret dialogmøder" in dialogue


def test_a_round_that_has_not_opened_refuses_answers(client, staffed, instruments):
    today = timezone.localdate()
    round_ = services.open_round(
        name="Senere",
        instrument=instruments.employee,
        root=staffed.team_north,
        opens_on=today + timedelta(days=3),
        closes_on=today + timedelta(days=10),
        send_email=False,
    )
    assert not round_.is_open
    token = services.new_token()
    from tillid.compass.models import Invitation

    inv = Invitation.objects.filter(round=round_).first()
    inv.token_hash = services.token_hash(token)
    inv.save()
    response = client.get(reverse("compass:answer", args=[token]))
    assert response.status_code == 410
    assert "Undersøgelsen åbner den" in response.content.decode()


def test_leader_finds_the_self_assessment_while_the_round_is_open(client, open_round, roles):
    round_, _tokens = open_round
    login(client, roles.leader)
    page = client.get(reverse("compass:results", args=[round_.pk, roles.leader.person.unit_id]))
    url = reverse("compass:self_assessment", args=[round_.pk, roles.leader.person.unit_id])
    assert url in page.content.decode()
    assert client.get(url).status_code == 200


def test_a_reorganisation_after_opening_changes_no_figure(org, instruments):
    from tillid.organisation.services import rebuild_paths

    today = timezone.localdate()
    round_ = Round.objects.create(
        name="Plejecentret",
        instrument=instruments.employee,
        root=org.care_home,
        tree=services.unit_tree(org.care_home),
        opens_on=today - timedelta(days=30),
        closes_on=today - timedelta(days=10),
        min_group=5,
        min_comment_group=8,
    )
    add_responses(round_, org.team_north, 6, comment="Nord")
    add_responses(round_, org.team_south, 6, comment="Syd")
    before = selectors._compute_results(round_)
    report_before = selectors.results_report(before)
    # A reorganisation moves Team Syd to the school: the round's figures stay
    # put, so nothing can be subtracted from what was shown before.
    org.team_south.parent = org.primary
    org.team_south.save()
    rebuild_paths()
    after = selectors._compute_results(round_)
    assert after.count(org.care_home.pk) == before.count(org.care_home.pk) == 12
    assert after.score("culture", org.care_home.pk).n == 12
    assert after.disclosure.visible == before.disclosure.visible
    assert org.primary.pk not in after.units
    assert selectors.results_report(after) == report_before
    # The comments of the care home are still both teams' (12 ≥ 8), not Team Nord's alone.
    assert sorted(set(selectors.comments_for(after, org.care_home))) == ["Nord", "Syd"]
