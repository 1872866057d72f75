"""Single sign-on creates the user and links the person together, or neither."""

import pytest
from django.contrib.auth import get_user_model

from tests.integration.test_oidc import backend, claims  # noqa: F401 - the fixture
from tillid.core.tests.atomic import LastStepFailed, fail_save, snapshot
from tillid.organisation.models import Person

pytestmark = pytest.mark.django_db


def test_a_new_sso_user_is_not_left_without_its_person(backend, org, monkeypatch):  # noqa: F811
    users = get_user_model().objects.count()
    before = snapshot("organisation")
    fail_save(monkeypatch, Person)  # linking the person comes last
    with pytest.raises(LastStepFailed):
        backend.create_user(claims("p2@egeskov.dk", given_name="Lars"))
    assert get_user_model().objects.count() == users
    assert snapshot("organisation") == before


def test_an_existing_sso_user_is_updated_with_its_link_or_not_at_all(
    backend,  # noqa: F811
    org,
    make_user,
    monkeypatch,
):
    user = make_user(username="p2@egeskov.dk", email="p2@egeskov.dk")
    user.first_name = ""
    user.save()
    fail_save(monkeypatch, Person)
    with pytest.raises(LastStepFailed):
        backend.update_user(user, claims("p2@egeskov.dk", given_name="Lars"))
    user.refresh_from_db()
    assert user.first_name == ""
