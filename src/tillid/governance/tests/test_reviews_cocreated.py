"""Co-created reviews (issue 14.8): a whole role group invited at once, told by e-mail,
shown on their front page, and adding to the dialogue log."""

from decimal import Decimal as D

import pytest
from django.core import mail
from django.urls import reverse

from tillid.governance import front_page, selectors, services
from tillid.governance.models import ReviewNote, RoleGroup
from tillid.governance.tests.conftest import make_item
from tillid.organisation.models import Role, RoleGrant
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(org, roles):
    item = make_item(
        title="Ugentlig optælling af medicin",
        units=[org.care_home],
        minutes_per_occurrence=D(20),
        occurrences_per_year=D(52),
    )
    return services.open_review(
        item=item, user=roles.consultant, stake_groups=["med_tr", "employees"]
    )


@pytest.fixture
def med_tr(org, roles):
    """Two MED/TR in Social og Sundhed (by person), one in Børn og Unge."""
    RoleGrant.objects.create(person=org.people["P2"], role=Role.MED_TR, unit=org.social)
    RoleGrant.objects.create(person=org.people["P4"], role=Role.MED_TR, unit=org.care_home)
    RoleGrant.objects.create(person=org.people["P7"], role=Role.MED_TR, unit=org.school)
    return org


def test_the_group_is_those_with_the_role_in_the_subtree(med_tr, org):
    people = selectors.role_group_people(role=Role.MED_TR, unit=org.social)
    assert {p.external_id for p in people} == {"P2", "P4"}
    everyone = selectors.role_group_people(role=Role.MED_TR, unit=None)
    assert {p.external_id for p in everyone} == {"P2", "P4", "P7"}


def test_a_consultant_invites_the_med_tr_group_and_they_are_emailed(
    client, med_tr, org, roles, review, person_user, django_capture_on_commit_callbacks
):
    login(client, roles.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("governance:review_invite_group", args=[review.pk]),
            {"group-role": "med_tr", "group-unit": org.social.pk},
            follow=True,
        )
    assert "2 personer er inviteret" in response.content.decode()
    participants = list(review.participants.order_by("name"))
    assert [(p.name, p.role_group) for p in participants] == [
        ("Anders Pedersen", RoleGroup.MED_TR),
        ("Lars Nielsen", RoleGroup.MED_TR),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["p2@egeskov.dk", "p4@egeskov.dk"]
    message = mail.outbox[0]
    assert "Ugentlig optælling af medicin" in message.subject
    assert reverse("governance:review", args=[review.pk]) in message.body
    # Inviting again adds nobody and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("governance:review_invite_group", args=[review.pk]),
            {"group-role": "med_tr", "group-unit": org.social.pk},
        )
    assert review.participants.count() == 2
    assert len(mail.outbox) == 2
    # The MED/TR member sees it on the front page and adds to the dialogue log.
    member = person_user(org.people["P4"])
    panels = front_page.panels(user=member, person=org.people["P4"])
    assert [i.text for i in panels[0].items] == ["Gennemgang af Ugentlig optælling af medicin"]
    login(client, member)
    home = client.get("/").content.decode()
    assert "Gennemgange, du er inviteret til" in home
    page = client.get(reverse("governance:review", args=[review.pk]))
    assert page.context["contribution_form"] is not None
    client.post(
        reverse("governance:review_contribute", args=[review.pk]),
        {"contribution-text": "Vi tæller to gange om ugen i dag."},
    )
    note = ReviewNote.objects.get()
    assert (note.role_group, note.author) == (RoleGroup.MED_TR, member)


def test_only_the_facilitator_invites_and_only_the_invited_contribute(
    client, med_tr, org, roles, review, person_user
):
    login(client, roles.employee)
    response = client.post(
        reverse("governance:review_invite_group", args=[review.pk]),
        {"group-role": "med_tr", "group-unit": ""},
    )
    assert response.status_code == 403
    # P7 holds MED/TR but is not invited; the employee holds no such role.
    outsider = roles.other_employee
    for user in (outsider, roles.employee):
        login(client, user)
        response = client.post(
            reverse("governance:review_contribute", args=[review.pk]),
            {"contribution-text": "Hej"},
        )
        assert response.status_code == 403
    assert not ReviewNote.objects.exists()
    assert front_page.panels(user=outsider, person=org.people["P7"]) == []


def test_an_invited_employee_without_the_role_cannot_write_in_the_log(client, org, roles, review):
    services.add_participant(
        review=review,
        role_group=RoleGroup.EMPLOYEES,
        person=org.people["P2"],
        user=roles.consultant,
    )
    login(client, roles.employee)  # P2, no MED/TR grant
    page = client.get(reverse("governance:review", args=[review.pk]))
    assert page.context["contribution_form"] is None


def test_a_group_nobody_holds_is_refused(client, org, roles, review):
    login(client, roles.consultant)
    response = client.post(
        reverse("governance:review_invite_group", args=[review.pk]),
        {"group-role": "politician", "group-unit": org.school.pk},
        follow=True,
    )
    assert "Ingen har den rolle" in response.content.decode()
    assert not review.participants.exists()


# --- the Meningssamling: notes, a review from a report, who reads it ----------------


@pytest.fixture
def report(roles, review):
    found, _code = services.report_red_tape(
        user=roles.employee,
        title="Medicinen tælles to gange",
        description="Vi tæller både mandag og torsdag.",
        item=review.item,
    )
    return found


def test_internal_notes_are_for_the_meningssamling_only(client, roles, report):
    login(client, roles.consultant)
    client.post(
        reverse("governance:queue_note", args=[report.pk]),
        {"note-text": "Tal med apoteket først."},
    )
    assert report.notes.get().text == "Tal med apoteket først."
    page = client.get(reverse("governance:queue_report", args=[report.pk])).content.decode()
    assert "Tal med apoteket først." in page
    # The reporter's own page does not show it.
    login(client, roles.employee)
    mine = client.get(reverse("governance:red_tape_report_mine", args=[report.pk]))
    assert "Tal med apoteket" not in mine.content.decode()
    assert (
        client.post(
            reverse("governance:queue_note", args=[report.pk]), {"note-text": "x"}
        ).status_code
        == 403
    )


def test_open_a_review_of_the_reports_item(client, org, roles):
    item = make_item(
        title="Dobbelt journalføring",
        units=[org.care_home],
        minutes_per_occurrence=D(5),
        occurrences_per_year=D(200),
    )
    found, _code = services.report_red_tape(
        user=roles.employee, title="Vi skriver alt to steder", description="…", item=item
    )
    login(client, roles.consultant)
    page = client.get(reverse("governance:queue_report", args=[found.pk]))
    assert page.context["may_open_review"]
    response = client.post(reverse("governance:queue_open_review", args=[found.pk]))
    found.refresh_from_db()
    assert found.review is not None
    assert found.review.item == item
    assert found.status == "examining"
    assert response.url == reverse("governance:review", args=[found.review.pk])
    assert "Vi skriver alt to steder" in found.review.purpose


def test_politicians_and_top_management_read_the_queue_but_do_not_handle_it(
    client, org, roles, report, person_user
):
    services.handle_report(report=report, status="recommended")
    # roles.leader leads Plejecenter Egely, not the top unit.
    for user, reads in (
        (roles.politician, True),
        (roles.leader, False),
        (roles.employee, False),
        (roles.med_tr, False),
    ):
        login(client, user)
        queue = client.get(reverse("governance:queue"))
        assert (queue.status_code == 200) is reads, user
        detail = client.get(reverse("governance:queue_report", args=[report.pk]))
        assert (detail.status_code == 200) is reads, user
    login(client, roles.politician)
    detail = client.get(reverse("governance:queue_report", args=[report.pk]))
    assert detail.context["form"] is None
    assert detail.context["note_form"] is None
    assert "Du kan læse køen" in client.get(reverse("governance:queue")).content.decode()
    assert client.post(reverse("governance:queue_report", args=[report.pk]), {}).status_code == 403
    assert client.post(reverse("governance:queue_note", args=[report.pk]), {}).status_code == 403
    # What is recommended to them is on their front page.
    panels = front_page.panels(user=roles.politician, person=None)
    assert [i.text for i in panels[0].items] == ["Medicinen tælles to gange"]
    # The leader of the top unit reads it too.
    from tillid.organisation.models import Person

    chief = Person.objects.create(
        external_id="P99", name="Kommunaldirektør", unit=org.root, is_leader=True
    )
    login(client, person_user(chief))
    assert client.get(reverse("governance:queue")).status_code == 200
