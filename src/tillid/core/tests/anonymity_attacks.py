"""Attackers for the anonymity engine, written independently of it (test helper).

`span_attack` is the strongest: exact linear algebra over the atoms (people
placed directly in a unit with a role group). Anything an observer can
compute from the shown cells is a linear combination of them; a group is
exposed when the indicator of a set of atoms with 1..k-1 people lies in that
span. Every vector in the span is constant on the atoms that belong to
exactly the same shown cells ("classes"), so the sets to try are the unions
of classes with fewer than k people, enumerated exhaustively. Empty atoms
are treated as known (headcounts are public), the strictest assumption.

`cover_attack` is the attack of issue 15, at any scale: for every shown
cell, every way of subtracting disjoint shown cells inside it (at any depth,
role cells and whole cells mixed), by dynamic programming over the tree.

`certificate` checks, without the engine's reasoning, a sufficient
condition that holds for trees too large for exact algebra: the atoms
grouped by which shown whole-cells hold them each have 0 or k+ people, and
the role cells satisfy the zone rule described in tillid.core.anonymity.
"""

from collections import defaultdict
from fractions import Fraction

from tillid.core.anonymity import ALL


def children_of(nodes) -> dict:
    children = defaultdict(list)
    for n in nodes:
        children[n.parent].append(n.id)
    return children


def subtree(nodes, uid, children=None) -> list[int]:
    children = children or children_of(nodes)
    out, stack = [], [uid]
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(children.get(cur, []))
    return out


def _cell_groups(groups, g):
    return groups if g == ALL else (g,)


def _basis(rows):
    """Reduced row echelon form, exact: {pivot column: row}."""
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


def span_attack(nodes, visible, roles, k, excluded=frozenset()):
    """Sets of atoms with 1..k-1 people whose sum follows from the shown cells.

    `nodes` carry the people per atom for the table under attack; units in
    `excluded` are in no figure (their atoms are left out of every cell).
    """
    groups = roles or (ALL,)
    children = children_of(nodes)
    size = {
        (n.id, g): 0
        if n.id in excluded
        else (n.counts.get(g, 0) if roles else sum(n.counts.values()))
        for n in nodes
        for g in groups
    }
    atoms = [a for a, n in size.items() if n > 0]  # empty atoms are known
    cells = sorted(visible)
    members = {
        cell: {
            (u, g) for u in subtree(nodes, cell[0], children) for g in _cell_groups(groups, cell[1])
        }
        for cell in cells
    }
    signature = defaultdict(list)
    for a in atoms:
        signature[tuple(a in members[c] for c in cells)].append(a)
    classes = [(sig, sum(size[a] for a in group)) for sig, group in signature.items() if any(sig)]
    # The shown cells as vectors over the classes.
    basis = _basis([[int(sig[j]) for sig, _n in classes] for j in range(len(cells))])
    found = []
    order = sorted(range(len(classes)), key=lambda i: classes[i][1])

    def search(start, chosen, total):
        if 0 < total < k:
            vec = [1 if i in chosen else 0 for i in range(len(classes))]
            if not any(_reduce([Fraction(x) for x in vec], basis)):
                found.append((tuple(sorted(chosen)), total))
        for pos in range(start, len(order)):
            i = order[pos]
            if total + classes[i][1] >= k:
                break  # sorted by size: every later class is as large
            search(pos + 1, chosen | {i}, total + classes[i][1])

    search(0, frozenset(), 0)
    return found


def cover_attack(nodes, visible, roles, k, excluded=frozenset()):
    """Remainders of 1..k-1 people left when disjoint shown cells are taken out of a shown cell."""
    groups = roles or (ALL,)
    children = children_of(nodes)
    direct = {
        n.id: {
            g: (
                0 if n.id in excluded else (n.counts.get(g, 0) if roles else sum(n.counts.values()))
            )
            for g in groups
        }
        for n in nodes
    }
    total = {}
    for n in nodes:
        for g in groups:
            total[(n.id, g)] = sum(direct[u][g] for u in subtree(nodes, n.id, children))

    def count(uid, gs):
        return sum(total[(uid, g)] for g in gs)

    memo = {}

    def sums(uid, gs):
        """Every sum of disjoint shown cells covering only atoms of groups gs inside uid's subtree."""
        key = (uid, gs)
        if key in memo:
            return memo[key]
        found = set()
        # Take nothing at this unit: combine the children.
        combined = {0}
        for c in children.get(uid, []):
            combined = {a + b for a in combined for b in sums(c, gs)}
        found |= combined
        # Take the unit's cell of all the groups, or one role cell and go on for the rest.
        if set(gs) == set(groups) and (uid, ALL) in visible:
            found.add(count(uid, groups))
        if roles:
            for r in gs:
                if (uid, r) in visible:
                    rest = tuple(g for g in gs if g != r)
                    found |= {total[(uid, r)] + s for s in (sums(uid, rest) if rest else {0})}
        memo[key] = found
        return found

    findings = []
    for uid, g in visible:
        gs = _cell_groups(groups, g)
        whole = count(uid, gs)
        inner = set()
        combined = {0}
        for c in children.get(uid, []):
            combined = {a + b for a in combined for b in sums(c, gs)}
        inner |= combined
        if roles and g == ALL:
            for r in groups:
                if (uid, r) in visible:
                    rest = tuple(h for h in groups if h != r)
                    inner |= {total[(uid, r)] + s for s in sums(uid, rest)}
        findings.extend(((uid, g), whole - s) for s in inner if 0 < whole - s < k)
    return findings


def certificate(nodes, visible, roles, k, tables=(), excluded=frozenset()):
    """Problems with the sufficient condition for safety (an empty list: safe).

    `tables` are further {unit id: {group: people}} count tables (dimensions)."""
    groups = roles or (ALL,)
    children = children_of(nodes)
    units = [n.id for n in nodes]
    people = [
        {
            n.id: {g: (n.counts.get(g, 0) if roles else sum(n.counts.values())) for g in groups}
            for n in nodes
        }
    ]
    people += list(tables)
    for table in people:
        for uid in excluded:
            table[uid] = dict.fromkeys(groups, 0)
    whole = sorted(u for u, g in visible if g == ALL)
    inside = {u: set(subtree(nodes, u, children)) for u in units}
    problems = []
    # Classes: units grouped by which shown whole cells contain them.
    classes = defaultdict(list)
    for u in units:
        classes[tuple(u in inside[w] for w in whole)].append(u)
    for sig, members in classes.items():
        if not any(sig):
            continue
        for t, table in enumerate(people):
            n = sum(table[u][g] for u in members for g in groups)
            if 0 < n < k:
                problems.append(("class", t, tuple(sorted(members)), n))
    role_units = sorted({u for u, g in visible if g != ALL})
    for u in role_units:
        if (u, ALL) not in visible:
            problems.append(("role cell without its whole cell", u))
    if not roles or not role_units:
        return problems
    # Zones: each role unit owns its classes not under another role unit. A class that
    # holds both groups can be split by role cells; each split part must be safe.
    lowest = {}
    for sig, members in classes.items():
        if not any(sig):
            continue
        holders = [w for w in role_units if set(members) <= inside[w]]
        if not holders:
            continue
        owner = min(holders, key=lambda w: len(inside[w]))
        lowest.setdefault(owner, []).append(members)
    for owner, member_lists in lowest.items():
        for t, table in enumerate(people):
            parts = defaultdict(int)
            for members in member_lists:
                per_group = {g: sum(table[u][g] for u in members) for g in groups}
                if all(per_group[g] > 0 for g in groups):
                    for g in groups:
                        parts[g] += per_group[g]
            for g, n in parts.items():
                if 0 < n < k:
                    problems.append(("zone", owner, t, g, n))
    return problems
