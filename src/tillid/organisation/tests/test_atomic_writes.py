"""Each organisation write that spans several tables (or many rows) saves all or nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.db.backends.utils import CursorWrapper

from tillid.core.tests.atomic import LastStepFailed, fail_save, snapshot
from tillid.organisation import services
from tillid.organisation.models import Person, Unit

pytestmark = pytest.mark.django_db


def test_create_user_for_person(org, monkeypatch):
    users = get_user_model().objects.count()
    before = snapshot("organisation")
    fail_save(monkeypatch, Person)  # linking the person comes after the new user
    with pytest.raises(LastStepFailed):
        services.create_user_for_person(person=org.people["P2"], username="ny-bruger")
    assert snapshot("organisation") == before
    assert get_user_model().objects.count() == users


def test_rebuild_paths_changes_every_path_or_none(org, monkeypatch):
    # Move Team Syd under the school; its path must then change, and its
    # parent's subtree with it.
    Unit.objects.filter(pk=org.team_south.pk).update(parent=org.primary)
    before = snapshot("organisation")
    original = CursorWrapper.executemany

    def first_row_then_fail(self, sql, param_list):
        rows = list(param_list)
        assert len(rows) >= 1
        original(self, sql, rows[:1])  # one unit gets its new path ...
        raise LastStepFailed  # ... and the rest do not

    monkeypatch.setattr(CursorWrapper, "executemany", first_row_then_fail)
    with pytest.raises(LastStepFailed):
        services.rebuild_paths()
    assert snapshot("organisation") == before
