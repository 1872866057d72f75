"""The unit picker's search: path labels, only units the user may see, 20 a page."""

from django.urls import reverse

from tillid.organisation import services, unit_search
from tillid.organisation.testing import login


def test_path_labels_name_every_ancestor(org):
    labels = unit_search.path_labels([org.team_north])
    parts = labels[org.team_north.pk].split(" › ")
    assert parts[-1] == org.team_north.name
    assert org.care_home.name in parts
    assert len(parts) == org.team_north.path.strip("/").count("/") + 1


def test_search_shows_paths_pages_of_twenty_and_only_what_the_user_may_see(client, org, roles):
    for i in range(25):
        services.create_unit(
            external_id=f"B{i}",
            name=f"Blå stue {i}",
            kind=org.team_north.kind,
            parent=org.care_home,
        )
    hits, more = unit_search.search(roles.consultant, "blå stue")
    assert len(hits) == 20
    assert more
    assert all(" › " in label and org.care_home.name in label for _id, label in hits)
    second, more2 = unit_search.search(roles.consultant, "blå stue", page=2)
    assert len(second) == 5
    assert not more2
    assert unit_search.search(roles.nobody, "blå")[0] == []
    login(client, roles.consultant)
    html = client.get(reverse("organisation:unit_search"), {"q": "Blå stue 7"}).content.decode()
    assert "data-unit-id" in html
    assert f"{org.care_home.name} › Blå stue 7" in html
    assert (
        "Ingen enhed"
        in client.get(reverse("organisation:unit_search"), {"q": "zzzz"}).content.decode()
    )


def test_a_unit_field_asks_the_database_only_when_its_choices_are_read(
    db, org, django_assert_num_queries
):
    """Forms are defined at import time, before `migrate` has made the tables."""
    from tillid.core.unit_picker import UnitChoiceField
    from tillid.organisation.models import Unit

    with django_assert_num_queries(0):
        field = UnitChoiceField(queryset=Unit.objects.all())
    assert any("Team Nord" in str(label) for _value, label in _flatten(field.choices))


def _flatten(choices):
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            yield from label
        else:
            yield value, label
