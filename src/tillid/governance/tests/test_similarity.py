"""Alike Danish titles: pairs that should and should not be found as likely duplicates."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tillid.governance import selectors
from tillid.governance.similarity import THRESHOLD, content_words, similar_pairs, similarity

pytestmark = pytest.mark.django_db

SAME = [
    ("Ugentlig optælling af medicinbeholdning", "Ugentlig medicinoptælling"),
    ("Dokumentation af medicingivning", "Medicindokumentation"),
    ("Registrering af kørsel", "Kørselsregistrering"),
    ("Vagtplan for weekender", "Weekendvagtplan"),
    ("Tilsyn med plejecentre", "Plejecentertilsyn"),
    ("Dokumentation af magtanvendelse", "Magtanvendelser skal dokumenteres"),
    ("Optælling af medicin hver uge", "Ugentlig medicinoptælling"),
]
DIFFERENT = [
    ("Ugentlig medicinoptælling", "Ugentlig kørselsregistrering"),
    ("Dokumentation af medicin", "Dokumentation af kørsel"),
    ("Nøglesystem på plejecentre", "Medicinsystem på plejecentre"),
    ("Kvalitetsstandard for hjemmehjælp", "Kvalitetsstandard for rengøring"),
    ("Månedlig opfølgning på sygefravær", "Månedlig opfølgning på budget"),
    ("Handleplan for borgeren", "Handleplan for skolens trivsel"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_the_same_demand_in_other_words_is_found(a, b):
    assert similarity(a, b) >= THRESHOLD


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_demands_that_share_words_are_not(a, b):
    assert similarity(a, b) < THRESHOLD


def test_inflection_and_stopwords_do_not_count():
    assert content_words("Optællingerne af medicinen") == content_words("optælling medicin")


@given(st.text(alphabet="abcdeæøå ", max_size=40), st.text(alphabet="abcdeæøå ", max_size=40))
def test_similarity_is_symmetric_and_bounded(a, b):
    assert similarity(a, b) == similarity(b, a)
    assert 0.0 <= similarity(a, b) <= 1.0


def test_similar_pairs_compares_only_what_shares_a_trigram():
    titles = {
        1: "Ugentlig optælling af medicinbeholdning",
        2: "Ugentlig medicinoptælling",
        3: "Nøgler",
    }
    assert [(a, b) for a, b, _s in similar_pairs(titles)] == [(1, 2)]


def test_the_register_finds_the_pair_binding_the_same_plejecenter(org, item_factory):
    a = item_factory(title="Ugentlig optælling af medicinbeholdning", units=[org.care_home])
    b = item_factory(title="Ugentlig medicinoptælling", units=[org.care_home])
    item_factory(title="Ugentlig medicinoptælling", units=[org.school])  # other units
    rows = selectors.likely_duplicates()
    assert [(r["a"][0], r["b"][0]) for r in rows] == [(a.pk, b.pk)]
    assert rows[0]["similarity"] >= 72
