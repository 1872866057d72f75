"""Test helpers: a service writes all or nothing.

`snapshot` reads every row of the given apps' tables (history tables
included); a test makes the service's last write fail with one of the
`fail_*` helpers, calls the service, and compares the snapshots.
"""

from django.apps import apps
from django.db.models import QuerySet


class LastStepFailed(Exception):
    """Raised in place of a service's last write."""


def snapshot(*app_labels: str) -> dict[str, list[str]]:
    out = {}
    for label in app_labels:
        for model in apps.get_app_config(label).get_models():
            rows = model._base_manager.order_by().values_list()
            out[model._meta.label] = sorted(map(repr, rows))
    return out


def _failing(original, on_call: int):
    calls = 0

    def wrapper(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls >= on_call:
            raise LastStepFailed
        return original(*args, **kwargs)

    return wrapper


def fail_save(monkeypatch, model, *, on_call: int = 1) -> None:
    """Make `model.save` fail from its `on_call`-th call on (also through objects.create)."""
    monkeypatch.setattr(model, "save", _failing(model.save, on_call))


def fail_manager(monkeypatch, model, method: str, *, on_call: int = 1) -> None:
    """Make `model.objects.<method>` (create, bulk_create, bulk_update, …) fail
    from its `on_call`-th call on."""
    monkeypatch.setattr(model.objects, method, _failing(getattr(model.objects, method), on_call))


def fail_queryset(monkeypatch, model, method: str) -> None:
    """Make a QuerySet method (update, bulk_create, delete, …) fail for `model` only,
    also where Django calls it on a queryset it made itself (e.g. many-to-many set)."""
    original = getattr(QuerySet, method)

    def wrapper(self, *args, **kwargs):
        if self.model is model:
            raise LastStepFailed
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, method, wrapper)


def fail_update(monkeypatch, model) -> None:
    """Make every queryset update of `model` fail (others go through)."""
    fail_queryset(monkeypatch, model, "update")
