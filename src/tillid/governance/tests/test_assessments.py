"""Meaningfulness assessments: who may answer, one per person, anonymity thresholds."""

from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from tillid.governance import selectors, services
from tillid.governance.models import Assessment
from tillid.organisation.models import Person
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


def _answers(value: int, comment: str = "") -> dict:
    return {
        "professional": value,
        "learning": value,
        "involving": value,
        "meaningful": value,
        "comment": comment,
    }


def _staff(org, n: int) -> list[Person]:
    return [
        Person.objects.create(external_id=f"X{i}", name=f"Ansat {i}", unit=org.team_south)
        for i in range(n)
    ]


def test_employee_of_bound_unit_assesses_and_can_change(client, org, roles, item_factory):
    item = item_factory(units=[org.care_home])
    login(client, roles.employee)
    response = client.post(reverse("governance:assess", args=[item.pk]), _answers(2, "Tung"))
    assert response.status_code == 302
    client.post(reverse("governance:assess", args=[item.pk]), _answers(4))
    assert Assessment.objects.count() == 1
    assessment = Assessment.objects.get()
    assert assessment.meaningful == 4
    # The person is not stored, only a keyed hash.
    field_names = {f.name for f in Assessment._meta.get_fields()}
    assert not field_names & {"person", "user", "created_at"}
    assert len(assessment.respondent_key) == 64


def test_employee_outside_bound_units_cannot_assess(client, org, roles, item_factory):
    item = item_factory(units=[org.care_home])
    login(client, roles.other_employee)
    assert client.get(reverse("governance:assess", args=[item.pk])).status_code == 403
    login(client, roles.consultant)  # no person in the organisation
    assert client.get(reverse("governance:assess", args=[item.pk])).status_code == 403


def test_missing_answers_give_danish_error(client, org, roles, item_factory):
    item = item_factory(units=[org.care_home])
    login(client, roles.employee)
    response = client.post(reverse("governance:assess", args=[item.pk]), {"professional": 3})
    assert response.status_code == 200
    assert "Vælg en værdi fra 1 til 5." in response.content.decode()
    assert not Assessment.objects.exists()


@override_settings(TILLID_ANONYMITY_MIN_GROUP=5, TILLID_ANONYMITY_MIN_COMMENT_GROUP=8)
def test_results_hidden_below_k_and_comments_below_larger_k(client, org, roles, item_factory):
    item = item_factory(units=[org.care_home])
    staff = _staff(org, 8)
    for i, person in enumerate(staff[:4]):
        services.save_assessment(item=item, person=person, **_answers(2, f"kommentar {i}"))
    login(client, roles.leader)
    page = client.get(reverse("governance:item", args=[item.pk]))
    assert not page.context["meaning"].shown
    assert page.context["meaning"].means == {}
    assert "kommentar 0" not in page.content.decode()
    services.save_assessment(item=item, person=staff[4], **_answers(2))
    page = client.get(reverse("governance:item", args=[item.pk]))
    assert page.context["meaning"].shown
    assert page.context["meaning"].classification == "against"
    assert page.context["comments"] == []
    for person in staff[5:]:
        services.save_assessment(item=item, person=person, **_answers(2))
    page = client.get(reverse("governance:item", args=[item.pk]))
    assert sorted(page.context["comments"]) == [f"kommentar {i}" for i in range(4)]


def test_classification_thresholds():
    assert selectors.classify(4.0) == "with"
    assert selectors.classify(3.0) == "mixed"
    assert selectors.classify(2.0) == "against"
    assert selectors.classify(None) == "unknown"


@override_settings(TILLID_ANONYMITY_MIN_GROUP=3)
def test_ranking_puts_high_burden_low_meaning_first(client, org, roles, item_factory):
    big_good = item_factory(
        title="Stor og god",
        units=[org.care_home],
        minutes_per_occurrence=Decimal(60),
        occurrences_per_year=Decimal(10),
    )
    big_bad = item_factory(
        title="Stor og meningsløs",
        units=[org.care_home],
        minutes_per_occurrence=Decimal(60),
        occurrences_per_year=Decimal(10),
    )
    small_bad = item_factory(
        title="Lille og meningsløs",
        units=[org.care_home],
        minutes_per_occurrence=Decimal(1),
        occurrences_per_year=Decimal(10),
    )
    staff = _staff(org, 3)
    for person in staff:
        services.save_assessment(item=big_good, person=person, **_answers(5))
        services.save_assessment(item=big_bad, person=person, **_answers(1))
        services.save_assessment(item=small_bad, person=person, **_answers(1))
    login(client, roles.employee)
    rows = client.get(reverse("governance:ranking")).context["page_obj"].object_list
    assert [r["item"].title for r in rows] == [
        "Stor og meningsløs",
        "Lille og meningsløs",
        "Stor og god",
    ]


def test_my_items_lists_what_binds_me_and_what_i_answered(client, org, roles, item_factory):
    mine = item_factory(title="Binder Team Nord", units=[org.care_home])
    item_factory(title="Binder skolen", units=[org.school])
    services.save_assessment(item=mine, person=org.people["P2"], **_answers(3))
    login(client, roles.employee)
    response = client.get(reverse("governance:my_items"))
    entries = response.context["page_obj"].object_list
    assert [(e["row"].item.title, e["answered"]) for e in entries] == [("Binder Team Nord", True)]
    assert reverse("governance:assess", args=[mine.pk]) in response.content.decode()
    login(client, roles.consultant)  # no person: an explanation, no list
    response = client.get(reverse("governance:my_items"))
    assert response.context["person"] is None
    assert "ikke knyttet til en person" in response.content.decode()


@override_settings(TILLID_ANONYMITY_MIN_GROUP=5, TILLID_ANONYMITY_MIN_COMMENT_GROUP=8)
def test_figures_change_only_by_whole_batches_of_people(org, item_factory):
    # An observer who reads the item before and after each answer must never see a
    # version differ from the last by fewer than k people's answers.
    import random

    item = item_factory(units=[org.care_home])
    staff = _staff(org, 12)
    rng = random.Random(7)
    seen = [(selectors.meaning_for(item).means, selectors.comments(item))]
    changed_since: set[int] = set()
    changed_since_comments: set[int] = set()
    for step in range(60):
        who = rng.randrange(len(staff))
        value = rng.randint(1, 5)
        services.save_assessment(item=item, person=staff[who], **_answers(value, f"k{who}-{step}"))
        changed_since.add(who)
        changed_since_comments.add(who)
        means, texts = selectors.meaning_for(item).means, selectors.comments(item)
        if means != seen[-1][0]:
            assert len(changed_since) >= 5
            changed_since = set()
        if sorted(texts) != sorted(seen[-1][1]):
            assert len(changed_since_comments) >= 8
            changed_since_comments = set()
        seen.append((means, texts))
    assert len({tuple(sorted(m.items())) for m, _t in seen if m}) > 2  # it did renew


def test_one_person_changing_again_and_again_renews_nothing(org, item_factory, settings):
    settings.TILLID_ANONYMITY_MIN_GROUP = 5
    item = item_factory(units=[org.care_home])
    staff = _staff(org, 5)
    for person in staff:
        services.save_assessment(item=item, person=person, **_answers(3))
    published = selectors.meaning_for(item)
    assert published.shown
    assert published.means["meaningful"] == 3
    for value in (1, 5, 2, 4, 1):
        services.save_assessment(item=item, person=staff[0], **_answers(value))
    assert selectors.meaning_for(item).means == published.means
