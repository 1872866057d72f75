"""Which result cells may be shown without exposing a small group (pure Python).

The rules are those of DESIGN.md ("Anonymity rules"). A *cell* is a unit's
subtree (the unit and everything below it) for everyone or for one role
group (leaders, employees). Response counts are assumed public (DESIGN.md
allows them once a round has closed), so the danger is a *figure* — a mean,
a distribution, a set of comments — of a group with 1..k-1 respondents,
shown directly or computable from shown figures.

The attacker's algebra we close over: every shown cell's sum of scores is
known, and the tables satisfy

    T(u, g)   = D(u, g) + sum of T(c, g) over u's children c   (g = each group, "all")
    T(u, all) = sum of T(u, r) over the role groups r           (the two filters)
    D(u, all) = sum of D(u, r) over the role groups r

where T is a subtree cell and D the people placed directly in u. Whenever an
equation has a single unknown term, that term becomes known (parent minus
visible children, a role filter minus the other, and any chain of these).
`suppress` hides every cell under k (primary suppression), then repeatedly
finds known hidden terms with 1..k-1 respondents and hides one more shown
cell in their derivation — the smallest — until none is left (secondary,
complementary suppression). Hidden cells carry no figure at all, so a hidden
small group and a hidden empty group look the same.
"""

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ALL = "all"

# A variable of the equation system: ("T" | "D", unit id, group).
Var = tuple[str, int, str]


@dataclass(frozen=True)
class GroupNode:
    id: int
    parent: int | None
    # Respondents placed directly in this unit, per role group.
    counts: Mapping[str, int]


@dataclass
class Disclosure:
    k: int
    roles: tuple[str, ...]
    totals: dict[tuple[int, str], int] = field(default_factory=dict)
    visible: set[tuple[int, str]] = field(default_factory=set)

    def count(self, unit_id: int, group: str = ALL) -> int:
        return self.totals.get((unit_id, group), 0)

    def is_visible(self, unit_id: int, group: str = ALL) -> bool:
        return (unit_id, group) in self.visible


@dataclass
class _Structure:
    """What depends only on the tree and the role groups, shared across runs."""

    children: dict[int, list[int]]
    order: list[int]  # parents before children
    depth: dict[int, int]
    equations: list[tuple[Var, ...]]
    by_var: dict[Var, list[int]]


_STRUCTURES: "OrderedDict[tuple, _Structure]" = OrderedDict()


def _structure(nodes: list[GroupNode], roles: tuple[str, ...]) -> _Structure:
    key = (roles, tuple((n.id, n.parent) for n in nodes))
    found = _STRUCTURES.get(key)
    if found is not None:
        _STRUCTURES.move_to_end(key)
        return found
    children: dict[int, list[int]] = defaultdict(list)
    ids = {n.id for n in nodes}
    for n in nodes:
        if n.parent is not None and n.parent in ids:
            children[n.parent].append(n.id)
    order: list[int] = []
    stack = [n.id for n in nodes if n.parent is None or n.parent not in ids]
    while stack:
        uid = stack.pop()
        order.append(uid)
        stack.extend(children[uid])
    equations = _equations([n.id for n in nodes], children, roles)
    found = _Structure(
        children=children,
        order=order,
        depth=_depths(nodes),
        equations=equations,
        by_var=index_equations(equations),
    )
    _STRUCTURES[key] = found
    while len(_STRUCTURES) > 4:
        _STRUCTURES.popitem(last=False)
    return found


def _totals(
    nodes: list[GroupNode], roles: tuple[str, ...], structure: _Structure
) -> dict[Var, int]:
    counts: dict[Var, int] = {}
    for n in nodes:
        direct = {r: int(n.counts.get(r, 0)) for r in roles}
        for r in roles:
            counts[("D", n.id, r)] = direct[r]
        if roles:
            counts[("D", n.id, ALL)] = sum(direct.values())
        else:
            counts[("D", n.id, ALL)] = int(n.counts.get(ALL, 0))
    children = structure.children
    for uid in reversed(structure.order):
        for g in (*roles, ALL):
            counts[("T", uid, g)] = counts[("D", uid, g)] + sum(
                counts[("T", c, g)] for c in children[uid]
            )
    return counts


def _equations(
    unit_ids: Iterable[int], children: dict[int, list[int]], roles: tuple[str, ...]
) -> list[tuple[Var, ...]]:
    """Each equation as (total, part, part, ...): total = sum of parts."""
    equations: list[tuple[Var, ...]] = []
    groups = (*roles, ALL)
    for uid in unit_ids:
        for g in groups:
            equations.append((("T", uid, g), ("D", uid, g), *(("T", c, g) for c in children[uid])))
        if roles:
            equations.append((("T", uid, ALL), *(("T", uid, r) for r in roles)))
            equations.append((("D", uid, ALL), *(("D", uid, r) for r in roles)))
    return equations


def index_equations(equations: list[tuple[Var, ...]]) -> dict[Var, list[int]]:
    by_var: dict[Var, list[int]] = defaultdict(list)
    for i, eq in enumerate(equations):
        for v in eq:
            by_var[v].append(i)
    return by_var


def derivable(
    shown: set[Var],
    equations: list[tuple[Var, ...]],
    empty: Iterable[Var] = (),
    by_var: dict[Var, list[int]] | None = None,
) -> dict[Var, tuple[Var, ...] | None]:
    """Every variable whose value follows from the shown ones, with its source.

    Returns {var: None} for shown variables, {var: ()} for groups known to
    be empty (counts are public, and the sum over nobody is nothing) and
    {var: other terms of the equation that gave it} for derived ones.
    """
    known: dict[Var, tuple[Var, ...] | None] = dict.fromkeys(empty, ())
    known.update(dict.fromkeys(shown))
    if by_var is None:
        by_var = index_equations(equations)
    is_known = known.__contains__
    unknown_left = [len(eq) - sum(map(is_known, eq)) for eq in equations]
    queue = [i for i, n in enumerate(unknown_left) if n == 1]
    while queue:
        i = queue.pop()
        if unknown_left[i] != 1:
            continue
        eq = equations[i]
        target = next(v for v in eq if v not in known)
        known[target] = tuple(v for v in eq if v != target)
        for j in by_var[target]:
            unknown_left[j] -= 1
            if unknown_left[j] == 1:
                queue.append(j)
    return known


def _shown_sources(var: Var, known: dict[Var, tuple[Var, ...] | None]) -> set[Var]:
    """The shown variables a derived variable was computed from."""
    found: set[Var] = set()
    seen: set[Var] = set()
    stack = [var]
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        source = known.get(v)
        if source is None:
            if v != var:
                found.add(v)
            continue
        stack.extend(source)
    return found


def suppress(
    nodes: Iterable[GroupNode],
    *,
    k: int,
    roles: tuple[str, ...] = (),
    protect_root: bool = True,
    start: set[tuple[int, str]] | None = None,
) -> Disclosure:
    """Decide which cells (unit subtree × group) may show a figure.

    `roles` are the role groups offered as a filter; with none, only the
    "all" cells exist (as for comments). `k` must be at least 1; the callers
    never pass less than 3. `start`, if given, limits the cells that may be
    shown at all (a head start from a related disclosure); the result is
    checked in full either way.
    """
    if k < 1:
        raise ValueError("k must be positive")
    nodes = list(nodes)
    structure = _structure(nodes, roles)
    counts = _totals(nodes, roles, structure)
    groups = (*roles, ALL)
    unit_ids = [n.id for n in nodes]
    depth = structure.depth
    equations = structure.equations
    by_var = structure.by_var
    empty = [v for v, n in counts.items() if n == 0]
    shown: set[Var] = {
        ("T", uid, g)
        for uid in unit_ids
        for g in groups
        if counts[("T", uid, g)] >= k and (start is None or (uid, g) in start)
    }

    def cost(v: Var) -> tuple:
        # Hide the smallest cell first; among equals prefer role cells and deep units.
        return (counts[v], v[2] == ALL, -depth.get(v[1], 0), v[1])

    while True:
        known = derivable(shown, equations, empty, by_var)
        to_hide: set[Var] = set()
        for v, source in known.items():
            if source is None:
                continue
            n = counts[v]
            if 0 < n < k:
                candidates = _shown_sources(v, known)
                if not candidates or candidates & to_hide:
                    continue  # already being fixed in this pass
                if protect_root and len(candidates) > 1:
                    roots = {c for c in candidates if depth.get(c[1], 0) == 0 and c[2] == ALL}
                    candidates = (candidates - roots) or candidates
                to_hide.add(min(candidates, key=cost))
        if not to_hide:
            break
        shown -= to_hide
    return Disclosure(
        k=k,
        roles=roles,
        totals={(v[1], v[2]): n for v, n in counts.items() if v[0] == "T"},
        visible={(v[1], v[2]) for v in shown},
    )


def _depths(nodes: list[GroupNode]) -> dict[int, int]:
    parent = {n.id: n.parent for n in nodes}
    depth: dict[int, int] = {}
    for uid in parent:
        chain = []
        cur: int | None = uid
        while cur is not None and cur in parent and cur not in depth:
            chain.append(cur)
            cur = parent[cur]
        base = depth[cur] + 1 if cur is not None and cur in depth else 0
        for offset, c in enumerate(reversed(chain)):
            depth[c] = base + offset
    return depth
