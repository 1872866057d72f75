"""The anonymity engine, attacked: no group of 1..k-1 people may be computable.

The property tests draw random organisation trees, group sizes, role splits,
k and per-dimension counts, run `suppress`, and then act as the attacker,
independently of the engine's own reasoning (anonymity_attacks.py): exact
linear algebra over every union of atoms, the issue-15 cover search, and the
block certificate for large trees.
"""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tillid.core.anonymity import ALL, Disclosure, GroupNode, suppress
from tillid.core.tests.anonymity_attacks import certificate, cover_attack, span_attack

ROLES = ("leader", "employee")
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_safe(nodes, d, roles, k, tables=()):
    """Every attacker, on the respondents and on every further count table."""
    assert all(d.count(u, g) >= k for u, g in d.visible)
    assert span_attack(nodes, d.visible, roles, k, d.excluded) == []
    assert cover_attack(nodes, d.visible, roles, k, d.excluded) == []
    assert certificate(nodes, d.visible, roles, k, excluded=d.excluded) == []
    for table in tables:
        assert span_attack(table, d.visible, roles, k, d.excluded) == []


@st.composite
def trees(draw, with_roles=True, max_units=9):
    n = draw(st.integers(min_value=1, max_value=max_units))
    nodes = []
    for i in range(n):
        parent = None if i == 0 else draw(st.integers(min_value=0, max_value=i - 1))
        if with_roles:
            counts = {
                "leader": draw(st.integers(min_value=0, max_value=3)),
                "employee": draw(st.integers(min_value=0, max_value=14)),
            }
        else:
            counts = {ALL: draw(st.integers(min_value=0, max_value=14))}
        nodes.append(
            GroupNode(id=i + 1, parent=None if parent is None else parent + 1, counts=counts)
        )
    return nodes


@PROPERTY
@given(nodes=trees(), k=st.integers(min_value=3, max_value=6))
def test_no_small_group_is_computable_with_role_filters(nodes, k):
    assert_safe(nodes, suppress(nodes, k=k, roles=ROLES), ROLES, k)


@PROPERTY
@given(nodes=trees(with_roles=False), k=st.integers(min_value=3, max_value=10))
def test_no_small_group_is_computable_without_filters(nodes, k):
    assert_safe(nodes, suppress(nodes, k=k), (), k)


@PROPERTY
@given(nodes=trees(), k=st.integers(min_value=3, max_value=6), data=st.data())
def test_a_dimension_with_fewer_scores_is_checked_on_its_own_counts(nodes, k, data):
    # Some respondents have no score on a dimension (too many "don't know"):
    # one set of shown cells must be safe for the respondents and for every
    # dimension's own counts at once.
    def fewer():
        return [
            GroupNode(
                n.id,
                n.parent,
                {r: data.draw(st.integers(min_value=0, max_value=c)) for r, c in n.counts.items()},
            )
            for n in nodes
        ]

    dimensions = [fewer() for _ in range(data.draw(st.integers(min_value=1, max_value=3)))]
    joint = suppress(
        nodes,
        k=k,
        roles=ROLES,
        also=[{n.id: [n.counts[r] for r in ROLES] for n in d} for d in dimensions],
    )
    assert_safe(nodes, joint, ROLES, k, tables=dimensions)
    for dimension in dimensions:
        # A shown cell has k or more scores on the dimension, or none at all.
        for unit_id, group in joint.visible:
            members = [n for n in dimension if n.id in set(_sub(dimension, unit_id))]
            n = sum(
                m.counts[r]
                for m in members
                if m.id not in joint.excluded
                for r in (ROLES if group == ALL else (group,))
            )
            assert n >= k or n == 0


def test_small_unit_is_hidden_and_sibling_too():
    # Parent 10 = 7 + 3: the 3 is hidden, and 10 - 7 would give it back.
    nodes = [GroupNode(1, None, {ALL: 0}), GroupNode(2, 1, {ALL: 7}), GroupNode(3, 1, {ALL: 3})]
    d = suppress(nodes, k=5)
    assert d.is_visible(1)
    assert not d.is_visible(3)
    assert not d.is_visible(2)


def test_residual_of_zero_or_k_needs_no_extra_suppression():
    nodes = [
        GroupNode(1, None, {ALL: 0}),
        GroupNode(2, 1, {ALL: 7}),
        GroupNode(3, 1, {ALL: 0}),
        GroupNode(4, 1, {ALL: 6}),
    ]
    d = suppress(nodes, k=5)
    assert d.visible == {(1, ALL), (2, ALL), (4, ALL)}


def test_role_filter_cannot_be_subtracted_from_the_whole():
    # One leader among nine employees: "everyone" minus "employees" is the leader.
    nodes = [GroupNode(1, None, {"leader": 1, "employee": 9})]
    d = suppress(nodes, k=5, roles=ROLES)
    assert d.is_visible(1, ALL)
    assert not d.is_visible(1, "leader")
    assert not d.is_visible(1, "employee")


def test_two_filters_across_units():
    # Each team has 6 employees and 1 leader; the leaders' cell at the top
    # has 2 (< 5), so employee cells must not allow subtracting.
    nodes = [
        GroupNode(1, None, {}),
        GroupNode(2, 1, {"leader": 1, "employee": 6}),
        GroupNode(3, 1, {"leader": 1, "employee": 6}),
    ]
    d = suppress(nodes, k=5, roles=ROLES)
    assert_safe(nodes, d, ROLES, 5)
    assert d.is_visible(1, ALL)


def test_leaders_and_employees_apart_where_every_zone_is_safe():
    # Five teams of one leader and eight employees: the institution shows its
    # five leaders and forty employees apart, the teams only as a whole.
    nodes = [GroupNode(1, None, {})] + [
        GroupNode(i, 1, {"leader": 1, "employee": 8}) for i in range(2, 7)
    ]
    d = suppress(nodes, k=5, roles=ROLES)
    assert d.is_visible(1, "leader")
    assert d.is_visible(1, "employee")
    assert all(d.is_visible(i) and not d.is_visible(i, "leader") for i in range(2, 7))
    assert_safe(nodes, d, ROLES, 5)


def test_empty_and_small_cells_are_treated_alike():
    nodes = [
        GroupNode(1, None, {ALL: 0}),
        GroupNode(2, 1, {ALL: 0}),
        GroupNode(3, 1, {ALL: 2}),
        GroupNode(4, 1, {ALL: 9}),
    ]
    d = suppress(nodes, k=5)
    assert not d.is_visible(2)
    assert not d.is_visible(3)
    # The 2 is protected by hiding the 9 too (11 - 9 would give the 2).
    assert not d.is_visible(4)
    assert d.shown_count(2) is None
    assert d.shown_count(3) is None
    assert d.shown_count(4) is None


def test_a_cell_small_in_one_dimension_is_hidden_for_all():
    nodes = [
        GroupNode(1, None, {"leader": 1, "employee": 0}),
        GroupNode(2, 1, {"leader": 0, "employee": 9}),
        GroupNode(3, 1, {"leader": 0, "employee": 9}),
    ]
    # Unit 3 has only four scores on one dimension: it is hidden for every dimension.
    dimension = [
        GroupNode(1, None, {"leader": 1, "employee": 0}),
        GroupNode(2, 1, {"leader": 0, "employee": 9}),
        GroupNode(3, 1, {"leader": 0, "employee": 4}),
    ]
    joint = suppress(
        nodes, k=5, roles=ROLES, also=[{n.id: [n.counts[r] for r in ROLES] for n in dimension}]
    )
    assert not joint.is_visible(3)
    assert not joint.is_visible(3, "employee")
    assert suppress(nodes, k=5, roles=ROLES).is_visible(3)
    assert_safe(nodes, joint, ROLES, 5, tables=[dimension])


def test_the_attackers_catch_primary_suppression_alone():
    # Only hiding the small cell is not enough: every attacker must see the 3.
    nodes = [GroupNode(1, None, {ALL: 0}), GroupNode(2, 1, {ALL: 7}), GroupNode(3, 1, {ALL: 3})]
    naive = Disclosure(k=5, roles=(), visible={(1, ALL), (2, ALL)})
    assert [n for _group, n in span_attack(nodes, naive.visible, (), 5)] == [3]
    assert cover_attack(nodes, naive.visible, (), 5) == [((1, ALL), 3)]
    assert certificate(nodes, naive.visible, (), 5) == [("class", 0, (1, 3), 3)]


def test_the_attackers_catch_a_union_of_two_small_groups():
    # Issue 15: the old engine hid Kultur og Fritid (5) but showed its sub-units,
    # so the top minus every shown cell left the two people placed at 1 and 5.
    nodes = [
        GroupNode(1, None, {ALL: 1}),
        GroupNode(2, 1, {ALL: 50}),
        GroupNode(3, 1, {ALL: 50}),
        GroupNode(5, 1, {ALL: 1}),
        GroupNode(6, 5, {ALL: 20}),
        GroupNode(7, 5, {ALL: 30}),
    ]
    leaky = {(1, ALL), (2, ALL), (3, ALL), (6, ALL), (7, ALL)}
    assert [n for _group, n in span_attack(nodes, leaky, (), 5)] == [2]
    assert cover_attack(nodes, leaky, (), 5) == [((1, ALL), 2)]


def test_a_forvaltning_is_not_hidden_for_a_handful_elsewhere():
    # The same organisation: the engine keeps Kultur og Fritid (51) and hides its
    # smaller sub-unit instead; the lone person at the top is left out of the
    # figures rather than hiding a forvaltning of 50.
    nodes = [
        GroupNode(1, None, {ALL: 1}),
        GroupNode(2, 1, {ALL: 50}),
        GroupNode(3, 1, {ALL: 50}),
        GroupNode(5, 1, {ALL: 1}),
        GroupNode(6, 5, {ALL: 20}),
        GroupNode(7, 5, {ALL: 30}),
    ]
    d = suppress(nodes, k=5)
    assert d.visible == {(1, ALL), (2, ALL), (3, ALL), (5, ALL), (7, ALL)}
    assert d.excluded == {1}
    assert d.excluded_respondents == 1
    assert d.shown_count(1) == 151
    assert_safe(nodes, d, (), 5)


def test_a_table_larger_than_the_respondents_is_refused():
    nodes = [GroupNode(1, None, {"leader": 1, "employee": 5})]
    with pytest.raises(ValueError, match="more respondents"):
        suppress(nodes, k=5, roles=ROLES, also=[{1: [1, 6]}])


def _large_tree(rng: random.Random, n_units: int) -> list[GroupNode]:
    """A municipality-shaped tree: a root, a few forvaltninger, then units down to teams."""
    nodes = [GroupNode(1, None, {"leader": rng.choice([0, 1]), "employee": rng.choice([0, 0, 2])})]
    for uid in range(2, n_units + 1):
        parent = rng.choice([1] * 3 + list(range(max(1, uid - 30), uid)))
        leaf_like = rng.random() < 0.7
        nodes.append(
            GroupNode(
                uid,
                parent,
                {
                    "leader": rng.choice([0, 1, 1, 2]),
                    "employee": rng.randint(2, 16) if leaf_like else rng.choice([0, 0, 1, 3]),
                },
            )
        )
    return nodes


@pytest.mark.parametrize("seed", range(6))
def test_large_random_organisations_pass_the_cover_attack_and_the_certificate(seed):
    rng = random.Random(seed)
    nodes = _large_tree(rng, 160)
    for k in (3, 5, 8):
        d = suppress(nodes, k=k, roles=ROLES)
        assert cover_attack(nodes, d.visible, ROLES, k, d.excluded) == []
        assert certificate(nodes, d.visible, ROLES, k, excluded=d.excluded) == []
        # Most respondents keep their own unit's figures.
        assert d.coverage().share > 0.7


def _best_coverage(nodes, k):
    """The largest share any safe choice of whole cells that keeps the organisation's
    own figure (when it has k people) gives (brute force, tiny trees)."""
    cells = [n.id for n in nodes]
    best = 0.0
    total = sum(sum(n.counts.values()) for n in nodes)
    direct = {n.id: sum(n.counts.values()) for n in nodes}
    from itertools import combinations

    for size in range(len(cells), 0, -1):
        for chosen in combinations(cells, size):
            visible = {(u, ALL) for u in chosen}
            if any(sum(direct[v] for v in _sub(nodes, u)) < k for u in chosen):
                continue
            if sum(direct.values()) >= k and nodes[0].id not in chosen:
                continue
            if span_attack(nodes, visible, (), k):
                continue
            share = sum(direct[u] for u in chosen) / total if total else 1.0
            best = max(best, share)
    return best


def _sub(nodes, uid):
    from tillid.core.tests.anonymity_attacks import subtree

    return subtree(nodes, uid)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=trees(with_roles=False, max_units=6), k=st.integers(min_value=3, max_value=6))
def test_information_loss_is_close_to_the_best_possible(nodes, k):
    # The engine's share of respondents whose own unit shows figures, against
    # the best of every safe set of whole cells (which may not exclude anyone).
    d = suppress(nodes, k=k)
    if d.excluded:
        return  # leaving people out is a different trade, measured on the demo
    best = _best_coverage(nodes, k)
    assert d.coverage().share >= best - 0.4


def test_information_loss_is_mostly_the_least_possible():
    # On 200 small organisations, the engine's choice is (within 1 %) the best
    # possible for nine in ten; printed for the record.
    rng = random.Random(2026)
    gaps = []
    for _ in range(200):
        n = rng.randint(2, 6)
        nodes = [GroupNode(1, None, {ALL: rng.randint(0, 14)})] + [
            GroupNode(i + 1, rng.randint(1, i), {ALL: rng.randint(0, 14)}) for i in range(1, n)
        ]
        k = rng.randint(3, 6)
        d = suppress(nodes, k=k)
        if not d.excluded:
            gaps.append(_best_coverage(nodes, k) - d.coverage().share)
    optimal = sum(1 for g in gaps if g <= 0.01) / len(gaps)
    print(f"optimal in {optimal:.0%} of {len(gaps)}; largest gap {max(gaps):.2f}")
    assert optimal >= 0.9


def test_a_live_figure_is_renewed_only_by_k_distinct_people():
    from tillid.core.anonymity import batch_release

    pending: list[str] = []
    renewals = []
    for key in ["a", "b", "a", "c", "a", "d", "e", "f"]:
        pending, renew = batch_release(pending, key, k=5)
        renewals.append(renew)
    # a, b, c, d, e are five distinct people at the seventh answer.
    assert renewals == [False, False, False, False, False, False, True, False]
    assert pending == ["f"]
