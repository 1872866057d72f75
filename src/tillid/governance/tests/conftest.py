"""Fixtures for the governance tests: a few items on the fixture organisation."""

from datetime import date
from decimal import Decimal

import pytest

from tillid.governance import services
from tillid.governance.models import Kind, Layer


def make_item(user=None, **overrides):
    fields = {
        "title": "Dokumentation af besøg",
        "kind": Kind.PROCEDURE,
        "layer": Layer.INSTITUTION,
        "introduced_on": date(2020, 1, 1),
        "units": [],
        "minutes_per_occurrence": Decimal(0),
        "occurrences_per_year": Decimal(0),
    }
    fields.update(overrides)
    return services.create_item(data=services.ItemInput(**fields), user=user)


@pytest.fixture
def item_factory(db):
    return make_item
