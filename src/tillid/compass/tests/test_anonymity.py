"""The anonymity engine, attacked: no group of 1..k-1 respondents may be computable.

The property tests draw random organisation trees, group sizes, role splits
and k, run `suppress`, and then act as the attacker with exact linear
algebra (fractions, not the engine's own propagation): a hidden cell or a
unit's own direct group is computable when its indicator vector over the
atoms (unit × role group) lies in the span of the shown cells' vectors.
"""

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tillid.compass.anonymity import ALL, GroupNode, suppress

ROLES = ("leader", "employee")


def _subtree(nodes, uid):
    children = {}
    for n in nodes:
        children.setdefault(n.parent, []).append(n.id)
    out, stack = [], [uid]
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(children.get(cur, []))
    return out


def _basis(rows):
    """Reduced row echelon basis of the rows (exact, with fractions): {pivot column: row}."""
    basis: dict[int, list[Fraction]] = {}
    for row in rows:
        reduced = _reduce([Fraction(x) for x in row], basis)
        pivot = next((i for i, x in enumerate(reduced) if x != 0), None)
        if pivot is None:
            continue
        lead = reduced[pivot]
        reduced = [x / lead for x in reduced]
        for col, other in basis.items():
            if other[pivot] != 0:
                f = other[pivot]
                basis[col] = [a - f * b for a, b in zip(other, reduced, strict=True)]
        basis[pivot] = reduced
    return basis


def _reduce(vec, basis):
    vec = list(vec)
    for col, row in basis.items():
        if vec[col] != 0:
            f = vec[col]
            vec = [a - f * b for a, b in zip(vec, row, strict=True)]
    return vec


def _in_span(vec, basis) -> bool:
    return not any(_reduce([Fraction(x) for x in vec], basis))


def attacker_findings(nodes, disclosure, roles, k):
    """Groups of 1..k-1 respondents whose sum follows from the shown cells."""
    groups = roles or (ALL,)
    atoms = [(n.id, g) for n in nodes for g in groups]
    index = {a: i for i, a in enumerate(atoms)}
    size = {
        (n.id, g): (n.counts.get(g, 0) if roles else sum(n.counts.values()))
        for n in nodes
        for g in groups
    }

    def vector(unit_ids, gs):
        v = [0] * len(atoms)
        for u in unit_ids:
            for g in gs:
                v[index[(u, g)]] = 1
        return v

    def cell_groups(g):
        return groups if g == ALL else (g,)

    shown = [vector(_subtree(nodes, u), cell_groups(g)) for (u, g) in disclosure.visible]
    # Counts are public: an empty atom is known to contribute nothing.
    shown += [vector([u], (g,)) for (u, g) in atoms if size[(u, g)] == 0]
    basis = _basis(shown)
    candidates = []
    for n in nodes:
        sub = _subtree(nodes, n.id)
        for g in (*roles, ALL):
            if (n.id, g) in disclosure.visible:
                continue
            count = sum(size[(u, h)] for u in sub for h in cell_groups(g))
            candidates.append((("subtree", n.id, g), vector(sub, cell_groups(g)), count))
            count_direct = sum(size[(n.id, h)] for h in cell_groups(g))
            candidates.append((("direct", n.id, g), vector([n.id], cell_groups(g)), count_direct))
    found = []
    for label, vec, count in candidates:
        if 0 < count < k and _in_span(vec, basis):
            found.append((label, count))
    return found


@st.composite
def trees(draw, with_roles=True):
    n = draw(st.integers(min_value=1, max_value=8))
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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=trees(), k=st.integers(min_value=3, max_value=6))
def test_no_small_group_is_computable_with_role_filters(nodes, k):
    disclosure = suppress(nodes, k=k, roles=ROLES)
    assert all(disclosure.count(u, g) >= k for u, g in disclosure.visible)
    assert attacker_findings(nodes, disclosure, ROLES, k) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=trees(with_roles=False), k=st.integers(min_value=3, max_value=10))
def test_no_small_group_is_computable_without_filters(nodes, k):
    disclosure = suppress(nodes, k=k)
    assert all(disclosure.count(u) >= k for u, _ in disclosure.visible)
    assert attacker_findings(nodes, disclosure, (), k) == []


def test_small_unit_is_hidden_and_sibling_too():
    # Parent 10 = 7 + 3: the 3 is hidden, and 10 - 7 would give it back.
    nodes = [
        GroupNode(1, None, {ALL: 0}),
        GroupNode(2, 1, {ALL: 7}),
        GroupNode(3, 1, {ALL: 3}),
    ]
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
    assert attacker_findings(nodes, d, ROLES, 5) == []
    assert d.is_visible(1, ALL)


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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
    assert attacker_findings(nodes, joint, ROLES, k) == []
    for dimension in dimensions:
        assert attacker_findings(dimension, joint, ROLES, k) == []
        totals = suppress(dimension, k=k, roles=ROLES).totals
        # A shown cell has k or more scores on the dimension, or none at all.
        assert all(totals[cell] >= k or totals[cell] == 0 for cell in joint.visible)


def test_a_cell_small_in_one_dimension_is_hidden_for_all():
    nodes = [
        GroupNode(1, None, {"leader": 1, "employee": 0}),
        GroupNode(2, 1, {"leader": 0, "employee": 9}),
        GroupNode(3, 1, {"leader": 0, "employee": 9}),
    ]
    # Unit 3 has only four scores on one dimension: it is hidden for every
    # dimension, and unit 2 with it (the total minus 2 would give 3).
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
    assert attacker_findings(dimension, joint, ROLES, 5) == []


def test_the_attacker_catches_primary_suppression_alone():
    # Only hiding the small cell is not enough: the checker must see the 3.
    from tillid.compass.anonymity import Disclosure

    nodes = [GroupNode(1, None, {ALL: 0}), GroupNode(2, 1, {ALL: 7}), GroupNode(3, 1, {ALL: 3})]
    naive = Disclosure(k=5, roles=(), visible={(1, ALL), (2, ALL)})
    assert attacker_findings(nodes, naive, (), 5) == [
        (("subtree", 3, ALL), 3),
        (("direct", 3, ALL), 3),
    ]


def test_a_table_larger_than_the_respondents_is_refused():
    nodes = [GroupNode(1, None, {"leader": 1, "employee": 5})]
    with pytest.raises(ValueError, match="more respondents"):
        suppress(nodes, k=5, roles=ROLES, also=[{1: [1, 6]}])
