"""Co-created reviews: participants by role group, dialogue, the four F's, escalation, history."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tillid.governance import selectors, services
from tillid.governance.models import Item, ItemStatus, Layer, ReviewStatus, RoleGroup
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def item(org, item_factory):
    # 10 min × 100 times × 5 people = 5000 min ≈ 83 h per year.
    return item_factory(
        title="Dokumentation af alle ydelser",
        units=[org.care_home],
        minutes_per_occurrence=D(10),
        occurrences_per_year=D(100),
    )


def _open(client, item, groups=None):
    return client.post(
        reverse("governance:review_open", args=[item.pk]),
        {"purpose": "Giver det mening?", "stake_groups": groups or list(RoleGroup.values)},
    )


def test_review_warns_until_every_group_is_involved(client, roles, item):
    login(client, roles.consultant)
    response = _open(client, item)
    review = item.reviews.get()
    assert response["Location"] == reverse("governance:review", args=[review.pk])
    page = client.get(response["Location"])
    assert len(page.context["missing"]) == 5
    assert "Ikke alle med aktier i styringen er inddraget endnu" in page.content.decode()
    for group in RoleGroup.values:
        client.post(
            reverse("governance:review_participant", args=[review.pk]),
            {"participant-role_group": group, "participant-name": f"Deltager {group}"},
        )
    page = client.get(reverse("governance:review", args=[review.pk]))
    assert page.context["missing"] == []
    assert all(row["early"] for row in page.context["involvement"])


def test_late_involvement_is_recorded(roles, item):
    review = services.open_review(
        item=item, user=roles.consultant, stake_groups=list(RoleGroup.values)
    )
    services.add_participant(review=review, role_group=RoleGroup.EMPLOYEES, name="SOSU", user=None)
    services.advance_review(review=review, user=roles.consultant)
    services.add_participant(
        review=review, role_group=RoleGroup.POLITICIANS, name="Udvalg", user=None
    )
    rows = {r["key"]: r for r in selectors.involvement(review)}
    assert rows["employees"]["early"] is True
    assert rows["politicians"]["involved"]
    assert rows["politicians"]["early"] is False
    assert not rows["med_tr"]["involved"]


def test_dialogue_log_and_danish_validation(client, roles, item):
    login(client, roles.consultant)
    _open(client, item)
    review = item.reviews.get()
    client.post(
        reverse("governance:review_note", args=[review.pk]),
        {"note-role_group": "employees", "note-text": "Vi bruger en time om dagen."},
    )
    assert review.notes.get().text == "Vi bruger en time om dagen."
    response = client.post(
        reverse("governance:review_decide", args=[review.pk]),
        {"decision": "change", "rationale": "", "decided_on": timezone.localdate().isoformat()},
    )
    body = response.content.decode()
    assert "Giv begrundelsen for beslutningen." in body
    assert "Beskriv den nye arbejdsform." in body
    review.refresh_from_db()
    assert review.is_open


def test_remove_frees_the_whole_burden(client, org, roles, item):
    login(client, roles.consultant)
    _open(client, item)
    review = item.reviews.get()
    before = selectors.unit_totals()[org.team_north.pk].hours
    assert before > 0
    response = client.post(
        reverse("governance:review_decide", args=[review.pk]),
        {
            "decision": "remove",
            "rationale": "Ingen bruger den.",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    review.refresh_from_db()
    assert item.status == ItemStatus.REMOVED
    assert item.ended_on == timezone.localdate()
    assert review.status == ReviewStatus.DECIDED
    assert review.minutes_before == D(1000)
    assert review.minutes_after == 0
    assert selectors.unit_totals()[org.team_north.pk].hours == 0
    page = client.get(reverse("governance:review", args=[review.pk])).content.decode()
    assert "Fjerne" in page
    history = client.get(reverse("governance:item", args=[item.pk])).context["history"]
    assert history[0]["user"] == roles.consultant
    assert any("status" in " ".join(h["changed"]).lower() for h in history)


def test_change_replaces_activities_with_new_estimate(roles, org, item):
    services.add_activity(
        item=item,
        name="Registrere hver ydelse",
        minutes_per_occurrence=D(2),
        occurrences_per_year=D(500),
    )
    review = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
    services.decide_review(
        review=review,
        user=roles.consultant,
        decision="change",
        rationale="Tre besøgsblokke i stedet for 70 ydelser.",
        new_activity_name="Dokumentere besøgsblokke",
        new_minutes_per_occurrence=D(1),
        new_occurrences_per_year=D(150),
    )
    fig = selectors.item_burden(item)
    assert fig.burden.minutes_per_person == D(150)
    assert review.minutes_before == D(1000)
    assert selectors.retired_activities(item).count() == 1
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTIVE
    # The replaced activity and the new one are in the item's history.
    rows = [r for r in selectors.item_history(item) if r.get("activity")]
    assert {(r["activity"], r["type"], r["replaced"]) for r in rows} == {
        ("Registrere hver ydelse", "+", False),
        ("Registrere hver ydelse", "~", True),
        ("Dokumentere besøgsblokke", "+", False),
    }


def test_keep_leaves_burden(roles, item):
    review = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
    services.decide_review(
        review=review,
        user=roles.consultant,
        decision="keep",
        rationale="Medicinkontrol giver tryghed.",
    )
    assert selectors.item_burden(item).burden.minutes_per_person == D(1000)
    review.refresh_from_db()
    assert review.minutes_after == review.minutes_before


def test_state_item_is_escalated_not_removed(client, org, roles, item_factory):
    law = item_factory(
        title="Statslig regel",
        layer=Layer.STATE,
        units=[org.care_home],
        minutes_per_occurrence=D(5),
        occurrences_per_year=D(5),
    )
    login(client, roles.consultant)
    _open(client, law)
    review = law.reviews.get()
    client.post(
        reverse("governance:review_decide", args=[review.pk]),
        {
            "decision": "remove",
            "rationale": "Bør afskaffes.",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    law.refresh_from_db()
    review.refresh_from_db()
    assert review.status == ReviewStatus.ESCALATED
    assert review.escalated_to == Layer.STATE
    assert law.status == ItemStatus.ESCALATED
    assert selectors.item_burden(law).burden.hours > 0


def test_law_mandated_item_is_escalated(roles, org, item_factory):
    local = item_factory(
        title="Lovkrav", layer=Layer.COUNCIL, mandated_by_law=True, units=[org.care_home]
    )
    review = services.open_review(item=local, user=roles.consultant, stake_groups=["employees"])
    services.decide_review(review=review, user=roles.consultant, decision="remove", rationale="x")
    assert Item.objects.get(pk=local.pk).status == ItemStatus.ESCALATED


def test_decided_review_is_closed_for_changes(roles, item):
    review = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
    services.decide_review(
        review=review,
        user=roles.consultant,
        decision="keep",
        rationale="x",
        decided_on=date(2024, 5, 1),
    )
    with pytest.raises(Exception, match=r"afsluttet|ended"):
        services.add_note(review=review, text="for sent", user=None)


def test_only_managers_open_reviews(client, roles, item):
    login(client, roles.employee)
    assert _open(client, item).status_code == 403
    login(client, roles.med_tr)
    assert _open(client, item).status_code == 403


def test_a_participant_from_the_organisation_is_looked_up_and_finds_the_review(
    client, org, roles, item, person_user
):
    login(client, roles.consultant)
    _open(client, item)
    review = item.reviews.get()
    url = reverse("governance:review_participant", args=[review.pk])
    sofie = org.people["P3"]
    # By e-mail (any case), with the name left empty: it comes from the organisation.
    client.post(
        url,
        {"participant-role_group": "employees", "participant-person_reference": "P3@Egeskov.dk"},
    )
    # By employee number, with a function written.
    client.post(
        url,
        {
            "participant-role_group": "professional_leaders",
            "participant-person_reference": "P1",
            "participant-name": "Leder af plejecentret",
        },
    )
    linked = {p.person: p.name for p in review.participants.all()}
    assert linked == {sofie: sofie.name, org.people["P1"]: "Leder af plejecentret"}
    page = client.get(reverse("governance:review", args=[review.pk])).content.decode()
    assert f"{sofie.name} (Medarbejdere)" in page
    # The page shows the name as invited, not where the person works: people's
    # placement is for those whose role covers their unit. (The unit list of the
    # whole-group invitation names every unit: the structure is no secret.)
    listed = page[page.index(f"{sofie.name} (Medarbejdere)") - 200 :]
    assert org.team_north.name not in listed[: listed.index("</ul>")]
    # Twice is refused, in Danish, and nothing is added.
    client.post(url, {"participant-role_group": "employees", "participant-person_reference": "P3"})
    assert review.participants.count() == 2
    message = str(
        list(client.get(reverse("governance:review", args=[review.pk])).context["messages"])
    )
    assert "deltager allerede" in message
    # Sofie sees the review on her own page.
    login(client, person_user(sofie))
    mine = client.get(reverse("governance:my_items")).content.decode()
    assert "Reviews you take part in" not in mine
    assert "Gennemgange, du deltager i" in mine
    assert reverse("governance:review", args=[review.pk]) in mine


def test_a_lookup_reveals_no_one_outside_the_facilitators_scope(client, org, roles, item):
    # An area consultant for Social og Sundhed cannot reach a teacher at the school.
    login(client, roles.area_consultant)
    _open(client, item)
    review = item.reviews.get()
    url = reverse("governance:review_participant", args=[review.pk])
    for reference in ("P7", "p7@egeskov.dk", "findes-ikke@egeskov.dk"):
        response = client.post(
            url,
            {"participant-role_group": "employees", "participant-person_reference": reference},
            follow=True,
        )
        assert "Ingen aktiv person, du kan se" in response.content.decode()
    assert not review.participants.exists()
    # Neither a name nor a person: the form asks for one.
    response = client.post(url, {"participant-role_group": "employees"}, follow=True)
    assert "Skriv deltagerens navn eller funktion" in response.content.decode()
    assert not review.participants.exists()


def test_an_inactive_person_cannot_be_invited(roles, org, item):
    review = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
    person = org.people["P4"]
    person.is_active = False
    person.save()
    with pytest.raises(ValidationError):
        services.add_participant(
            review=review, role_group=RoleGroup.EMPLOYEES, person=person, user=None
        )
    assert not review.participants.exists()
