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

Several count tables over the same cells (the respondents, and those with a
score on each dimension) can be decided together: one set of shown cells
that is safe for every table (see `suppress`). Variables are numbered
internally, so a municipality's few thousand units take milliseconds.
"""

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

ALL = "all"

# Variable kinds: a unit's subtree (T) and the people placed directly in it (D).
_T, _D = 0, 1
# What is known of a variable (`_derive`); an equation's index means derived from it.
_UNKNOWN, _SHOWN, _EMPTY = -1, -2, -3


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
    """What depends only on the tree and the role groups, shared across runs.

    Variable v = (kind × units + position) × groups + group index, with the
    groups in the order (*roles, ALL).
    """

    ids: list[int]  # unit id by position
    position: dict[int, int]
    parent: list[int]  # position, or -1 at a root
    groups: tuple[str, ...]
    children: list[list[int]]
    order: list[int]  # positions, parents before children
    depth: list[int]
    equations: list[tuple[int, ...]]  # (total, part, part, ...): total = sum of parts
    by_var: list[list[int]]

    def var(self, kind: int, position: int, group: int) -> int:
        return (kind * len(self.ids) + position) * len(self.groups) + group


_STRUCTURES: "OrderedDict[tuple, _Structure]" = OrderedDict()


def _structure(nodes: list[GroupNode], roles: tuple[str, ...]) -> _Structure:
    key = (roles, tuple((n.id, n.parent) for n in nodes))
    found = _STRUCTURES.get(key)
    if found is not None:
        _STRUCTURES.move_to_end(key)
        return found
    ids = [n.id for n in nodes]
    position = {uid: i for i, uid in enumerate(ids)}
    children: list[list[int]] = [[] for _ in ids]
    parent = [-1] * len(ids)
    roots = []
    for i, n in enumerate(nodes):
        if n.parent is not None and n.parent in position:
            parent[i] = position[n.parent]
            children[parent[i]].append(i)
        else:
            roots.append(i)
    order: list[int] = []
    depth = [0] * len(ids)
    stack = roots[::-1]
    while stack:
        i = stack.pop()
        order.append(i)
        for c in children[i]:
            depth[c] = depth[i] + 1
            stack.append(c)
    found = _Structure(
        ids=ids,
        position=position,
        parent=parent,
        groups=(*roles, ALL),
        children=children,
        order=order,
        depth=depth,
        equations=[],
        by_var=[],
    )
    found.equations = _equations(found, bool(roles))
    found.by_var = [[] for _ in range(2 * len(ids) * len(found.groups))]
    for i, eq in enumerate(found.equations):
        for v in eq:
            found.by_var[v].append(i)
    _STRUCTURES[key] = found
    while len(_STRUCTURES) > 4:
        _STRUCTURES.popitem(last=False)
    return found


def _equations(s: _Structure, with_roles: bool) -> list[tuple[int, ...]]:
    equations: list[tuple[int, ...]] = []
    n_groups = len(s.groups)
    every = n_groups - 1
    for i in range(len(s.ids)):
        for g in range(n_groups):
            equations.append(
                (s.var(_T, i, g), s.var(_D, i, g), *(s.var(_T, c, g) for c in s.children[i]))
            )
        if with_roles:
            for kind in (_T, _D):
                equations.append(
                    (s.var(kind, i, every), *(s.var(kind, i, g) for g in range(every)))
                )
    return equations


def _totals(direct: Iterable[tuple[int, Sequence[int]]], s: _Structure) -> list[int]:
    """Respondents per variable from (unit id, direct counts per role group) pairs."""
    n_units, n_groups = len(s.ids), len(s.groups)
    every = n_groups - 1
    counts = [0] * (2 * n_units * n_groups)
    position = s.position
    for uid, per_role in direct:
        d = (n_units + position[uid]) * n_groups
        if every:
            counts[d : d + every] = per_role
            counts[d + every] = sum(per_role)
        else:
            counts[d] = per_role[0]
    parent = s.parent
    for i in reversed(s.order):
        t, d = i * n_groups, (n_units + i) * n_groups
        p = parent[i] * n_groups
        for g in range(n_groups):
            counts[t + g] += counts[d + g]
            if p >= 0:
                counts[p + g] += counts[t + g]
    return counts


class _Closure:
    """What follows from the shown variables and the known-empty ones.

    `status[v]` is _UNKNOWN, _SHOWN, _EMPTY or the index of the equation v
    was derived from. `extend` adds more known-empty variables and carries
    on from where this closure stopped, as a copy.
    """

    def __init__(self, s: _Structure, status: list[int], unknown: list[bool], left: list[int]):
        self.s, self.status, self.unknown, self.left = s, status, unknown, left

    @classmethod
    def of(cls, s: _Structure, shown: bytearray, empty: Iterable[int]) -> "_Closure":
        status = [_SHOWN if flag else _UNKNOWN for flag in shown]
        for v in empty:
            if status[v] == _UNKNOWN:
                status[v] = _EMPTY
        unknown = [x == _UNKNOWN for x in status]
        is_unknown = unknown.__getitem__
        left = [sum(map(is_unknown, eq)) for eq in s.equations]
        closure = cls(s, status, unknown, left)
        closure._propagate([i for i, n in enumerate(left) if n == 1])
        return closure

    def extend(self, empty: Iterable[int]) -> "_Closure":
        status, unknown, left = self.status, self.unknown, self.left
        newly = [v for v in empty if unknown[v]]
        if not newly:
            return self
        closure = _Closure(self.s, status.copy(), unknown.copy(), left.copy())
        queue = []
        for v in newly:
            closure.status[v] = _EMPTY
            queue.extend(closure._settle(v))
        closure._propagate(queue)
        return closure

    def _settle(self, v: int) -> list[int]:
        self.unknown[v] = False
        left = self.left
        ready = []
        for j in self.s.by_var[v]:
            left[j] -= 1
            if left[j] == 1:
                ready.append(j)
        return ready

    def _propagate(self, queue: list[int]) -> None:
        equations, unknown, left, status = self.s.equations, self.unknown, self.left, self.status
        while queue:
            i = queue.pop()
            if left[i] != 1:
                continue
            target = next(v for v in equations[i] if unknown[v])
            status[target] = i
            queue.extend(self._settle(target))

    def shown_sources(self, var: int) -> set[int]:
        """The shown variables a derived variable was computed from."""
        status, equations = self.status, self.s.equations
        found: set[int] = set()
        seen: set[int] = set()
        stack = [var]
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            source = status[v]
            if source == _SHOWN:
                found.add(v)
            elif source >= 0:
                stack.extend(u for u in equations[source] if u != v)
        return found


def suppress(
    nodes: Iterable[GroupNode],
    *,
    k: int,
    roles: tuple[str, ...] = (),
    protect_root: bool = True,
    start: set[tuple[int, str]] | None = None,
    also: Iterable[Mapping[int, Sequence[int]]] = (),
) -> Disclosure:
    """Decide which cells (unit subtree × group) may show a figure.

    `roles` are the role groups offered as a filter; with none, only the
    "all" cells exist (as for comments). `k` must be at least 1; the callers
    never pass less than 3. `start`, if given, limits the cells that may be
    shown at all; the result is checked in full either way.

    `also` are further count tables over the same units, each {unit id:
    respondents placed directly there, per role group in the order of
    `roles`}, never above the nodes' own counts (say, the respondents with a
    score on each dimension). The result is then safe for every table at
    once: a cell is shown only where each table has k or more (or nobody: a
    dimension no one in the cell has a score on simply has no figure there),
    and every table is attacked with its own known-empty groups. One decision
    for all dimensions keeps a unit's figures whole: a cell shows every
    dimension or none.
    """
    if k < 1:
        raise ValueError("k must be positive")
    nodes = list(nodes)
    s = _structure(nodes, roles)
    groups = roles or (ALL,)
    counts = _totals(((n.id, [int(n.counts.get(g, 0)) for g in groups]) for n in nodes), s)
    tables = [counts, *(_totals(table.items(), s) for table in also)]
    if any(n > total for t in tables[1:] for n, total in zip(t, counts, strict=True)):
        # The closures below start from the respondents' empty groups, which
        # is only sound when those are empty in every table too.
        raise ValueError("a count table has more respondents than the nodes")
    base_empty = [v for v, n in enumerate(counts) if n == 0]
    # Per table: the groups it has empty beyond the respondents' own, and its small groups.
    extra_empty = [[v for v, n in enumerate(t) if n == 0 and counts[v]] for t in tables]
    small = [[v for v, n in enumerate(t) if 0 < n < k] for t in tables]
    n_units, n_groups = len(s.ids), len(s.groups)
    every = n_groups - 1
    shown = bytearray(len(counts))
    for i, uid in enumerate(s.ids):
        for g, group in enumerate(s.groups):
            v = i * n_groups + g
            # A dimension nobody in the cell has a score on shows no figure there: no danger.
            if (
                counts[v] >= k
                and all(t[v] >= k or t[v] == 0 for t in tables)
                and (start is None or (uid, group) in start)
            ):
                shown[v] = 1

    def cost(v: int) -> tuple:
        # Hide the smallest cell first; among equals prefer role cells and deep units.
        i, g = divmod(v, n_groups)
        return (counts[v], g == every, -s.depth[i], s.ids[i])

    def is_root_total(v: int) -> bool:
        i, g = divmod(v, n_groups)
        return s.depth[i] == 0 and g == every

    while True:
        common = _Closure.of(s, shown, base_empty)
        to_hide: set[int] = set()
        # A variable derived before any table's own empties were added has the
        # same derivation in every table: trace it once per pass.
        traced: dict[int, set[int]] = {}
        for extra, danger in zip(extra_empty, small, strict=True):
            closure = common.extend(extra)
            for v in danger:
                if closure.status[v] < 0:
                    continue  # not derived (shown cells are never small)
                if common.status[v] >= 0:
                    if v not in traced:
                        traced[v] = common.shown_sources(v)
                    candidates = traced[v]
                else:
                    candidates = closure.shown_sources(v)
                if not candidates or candidates & to_hide:
                    continue  # already being fixed in this pass
                if protect_root and len(candidates) > 1:
                    candidates = {c for c in candidates if not is_root_total(c)} or candidates
                to_hide.add(min(candidates, key=cost))
        if not to_hide:
            break
        for v in to_hide:
            shown[v] = 0
    return Disclosure(
        k=k,
        roles=roles,
        totals={
            (uid, group): counts[i * n_groups + g]
            for i, uid in enumerate(s.ids)
            for g, group in enumerate(s.groups)
        },
        visible={
            (s.ids[i], s.groups[g])
            for i in range(n_units)
            for g in range(n_groups)
            if shown[i * n_groups + g]
        },
    )
