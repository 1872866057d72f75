"""Property: for any valid organisation files A and B, importing A then B leaves exactly B,
and importing B again changes nothing."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tillid.organisation import services
from tillid.organisation.importing import read_tables
from tillid.organisation.models import Person, Unit, UnitKind
from tillid.organisation.tests.test_import_service import (
    PEOPLE_HEADER,
    UNIT_HEADER,
    csv_bytes,
    history_rows,
)

pytestmark = pytest.mark.django_db

KIND_WORDS = ["kommune", "forvaltning", "område", "institution", "team"]
UNIT_IDS = [f"U{i}" for i in range(12)]
PERSON_IDS = [f"P{i}" for i in range(15)]
names = st.text(alphabet="abcæøå ÆØÅ-", min_size=1, max_size=12).map(str.strip).filter(bool)


@st.composite
def organisations(draw):
    """A random valid file: parents are always of a higher kind than their children."""
    ids = draw(st.lists(st.sampled_from(UNIT_IDS), min_size=1, max_size=8, unique=True))
    units = []
    for external_id in ids:
        level = draw(st.integers(0, 4))
        candidates = [u for u in units if KIND_WORDS.index(u[3]) < level]
        parent = draw(st.sampled_from(["", *[u[0] for u in candidates]]))
        units.append([external_id, draw(names), parent, KIND_WORDS[level]])
    people_ids = draw(st.lists(st.sampled_from(PERSON_IDS), max_size=10, unique=True))
    people = [
        [
            pid,
            draw(names),
            draw(st.sampled_from(["", f"{pid.lower()}@x.dk", f"{pid.lower()}@y.dk"])),
            draw(st.sampled_from(ids)),
            draw(st.sampled_from(["ja", "nej", "", "1"])),
        ]
        for pid in people_ids
    ]
    # File order need not be tree order.
    units = draw(st.permutations(units))
    return units, people


def run(units, people):
    tables, errors = read_tables(
        [
            ("units.csv", csv_bytes(UNIT_HEADER, units)),
            ("people.csv", csv_bytes(PEOPLE_HEADER, people)),
        ]
    )
    assert not errors
    before = stored(), history_rows()
    result = services.import_organisation(tables=tables)
    assert result.ok, result.errors
    if result.needs_confirmation:
        # The safety net: nothing is written until the number is confirmed.
        assert (stored(), history_rows()) == before
        count = result.confirmation.count
        assert count == len(set(stored()[0]) - {u[0] for u in units}) + len(
            set(stored()[1]) - {p[0] for p in people}
        )
        result = services.import_organisation(tables=tables, confirmed_deactivations=count)
        assert result.written
    return result


def stored():
    units = {
        u.external_id: (u.name, u.kind, u.parent.external_id if u.parent else "")
        for u in Unit.objects.filter(is_active=True).select_related("parent")
    }
    people = {
        p.external_id: (p.name, p.email, p.unit.external_id, p.is_leader)
        for p in Person.objects.filter(is_active=True).select_related("unit")
    }
    return units, people


def expected(units, people):
    kinds = dict(zip(KIND_WORDS, UnitKind.values, strict=True))
    return (
        {u[0]: (u[1], kinds[u[3]], u[2]) for u in units},
        {p[0]: (p[1], p[2], p[3], p[4] in ("ja", "1")) for p in people},
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=organisations(), second=organisations())
def test_import_then_change_then_reimport(db, first, second):
    with transaction.atomic():
        run(*first)
        assert stored() == expected(*first)
        run(*second)
        assert stored() == expected(*second)
        # Everything stored but not in the second file is inactive, not gone.
        all_ids = {u[0] for u in first[0]} | {u[0] for u in second[0]}
        assert set(Unit.objects.values_list("external_id", flat=True)) == all_ids
        # Paths follow the tree.
        for unit in Unit.objects.filter(is_active=True).select_related("parent"):
            parent_path = unit.parent.path if unit.parent else "/"
            assert unit.path == f"{parent_path}{unit.pk}/"
        history = history_rows()
        again = run(*second)
        assert again.report["changes"] == 0
        assert history_rows() == history
        transaction.set_rollback(True)
