"""The one anonymity engine: which aggregate cells may be shown (DESIGN.md, "Anonymity rules").

Every figure Tillid shows about people — survey scores, response rates,
comments, trust-dosing counts, and whatever the overview adds up — is a sum
over the people in a *cell*: a unit's subtree (the unit and everything
below it), for everyone or for one role group. Whoever sees several cells
can add and subtract them. The promise is that no such combination, however
deep or mixed, pins down a group of 1..k-1 people.

**The method: a partition into blocks of at least k.** The people placed
directly in a unit with a role group are the *atoms*. The engine splits the
atoms into *blocks*, each with k or more people (or none) in every count
table, and shows a unit's subtree only when it is a whole union of blocks.
Any sum or difference of shown cells is then itself a union of blocks: it
covers nobody or k and more people, never fewer. (This is the residual-cell
method survey vendors use, made exact over the whole hierarchy.)

Blocks are formed bottom-up. A unit's own people and whatever its hidden
sub-units left over form its *remainder*; when that has k or more, it
becomes a block and the unit is shown. When it is too small, the engine
either leaves the unit hidden (the remainder goes up to the parent) or
merges the remainder with the cheapest block below, hiding the smaller unit
that block belonged to instead — whichever hides fewer respondents, so that
a large unit is never hidden to protect a few people elsewhere. The root is
always kept when a block below can be merged.

**Role groups** (leaders, employees) are shown for a unit only where both
groups' own remainders are safe. With the role cells of a set U of units
shown, a combination of cells can isolate, within the *zone* of a unit in U
(its blocks not under another unit of U), the leaders of the mixed blocks
or their employees; each such part must hold nobody or k and more. Units
enter U top-down while every zone stays safe.

Hidden cells carry no figure and no count, so a hidden small group and a
hidden empty group look the same. Several count tables over the same atoms
(respondents, and those with a score on each dimension) are decided
together: one block structure safe for every table, so a cell shows all its
dimensions or none.

`docs/anonymity.md` explains the rule for readers outside the code; the
tests attack it with exact linear algebra.
"""

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

ALL = "all"
# The cost of hiding a unit, per respondent below it whose own sub-unit stays shown,
# relative to one whose own unit is hidden (see `suppress`).
SUBTREE_WEIGHT = 0.5
# Leaving an answer out of every figure (at the root) costs this many times k.
EXCLUDE_WEIGHT = 1
# Hiding the whole organisation, when nothing else makes its remainder safe.
ROOT_HIDDEN_COST = 1e9


@dataclass(frozen=True)
class GroupNode:
    id: int
    parent: int | None
    # People placed directly in this unit, per role group (or {ALL: n} without roles).
    counts: Mapping[str, int]


@dataclass(frozen=True)
class Block:
    """People who are only ever shown together: a unit's remainder, with what it absorbed."""

    home: int  # the unit where the block was closed
    units: tuple[int, ...]  # units whose own people (all role groups) are in the block
    respondents: int


@dataclass
class Coverage:
    """How much the suppression costs: respondents whose own unit shows figures."""

    respondents: int
    in_shown_units: int

    @property
    def share(self) -> float:
        return self.in_shown_units / self.respondents if self.respondents else 1.0


@dataclass
class Disclosure:
    k: int
    roles: tuple[str, ...]
    # Respondents per (unit subtree, group): internal, for deciding and for tests.
    totals: dict[tuple[int, str], int] = field(default_factory=dict)
    visible: set[tuple[int, str]] = field(default_factory=set)
    blocks: list[Block] = field(default_factory=list)
    # Respondents placed directly in each unit, for the coverage figure.
    direct: dict[int, int] = field(default_factory=dict)
    # Units whose own people are left out of every figure: a remainder at the top
    # too small to show and too costly to merge. Callers drop their answers before
    # adding up; the count of such answers may be said, never whose they are.
    excluded: set[int] = field(default_factory=set)
    excluded_respondents: int = 0

    def count(self, unit_id: int, group: str = ALL) -> int:
        """The raw count, shown or not: never print it for a hidden cell (use shown_count)."""
        return self.totals.get((unit_id, group), 0)

    def shown_count(self, unit_id: int, group: str = ALL) -> int | None:
        """The count where the cell is shown; None ("skjult") where it is hidden."""
        if (unit_id, group) not in self.visible:
            return None
        return self.totals.get((unit_id, group), 0)

    def is_visible(self, unit_id: int, group: str = ALL) -> bool:
        return (unit_id, group) in self.visible

    def coverage(self) -> Coverage:
        total = sum(self.direct.values())
        shown = sum(
            n
            for uid, n in self.direct.items()
            if (uid, ALL) in self.visible and uid not in self.excluded
        )
        return Coverage(respondents=total, in_shown_units=shown)


@dataclass
class _Tree:
    ids: list[int]
    parent: list[int]  # position, or -1 at a root
    children: list[list[int]]
    order: list[int]  # parents before children
    depth: list[int]


_TREES: "OrderedDict[tuple, _Tree]" = OrderedDict()


def _tree(nodes: list[GroupNode]) -> _Tree:
    key = tuple((n.id, n.parent) for n in nodes)
    found = _TREES.get(key)
    if found is not None:
        _TREES.move_to_end(key)
        return found
    ids = [n.id for n in nodes]
    position = {uid: i for i, uid in enumerate(ids)}
    if len(position) != len(ids):
        raise ValueError("a unit appears twice")
    parent = [-1] * len(ids)
    children: list[list[int]] = [[] for _ in ids]
    roots = []
    for i, n in enumerate(nodes):
        if n.parent is not None and n.parent in position:
            parent[i] = position[n.parent]
            children[parent[i]].append(i)
        else:
            roots.append(i)
    # Children and roots in id order, so that where two choices cost the same the
    # engine makes the same one whatever order the database returned the units in.
    for kids in children:
        kids.sort(key=ids.__getitem__)
    roots.sort(key=ids.__getitem__)
    order: list[int] = []
    depth = [0] * len(ids)
    stack = roots[::-1]
    while stack:
        i = stack.pop()
        order.append(i)
        for c in reversed(children[i]):
            depth[c] = depth[i] + 1
            stack.append(c)
    if len(order) != len(ids):
        raise ValueError("the units do not form a tree")
    found = _Tree(ids=ids, parent=parent, children=children, order=order, depth=depth)
    _TREES[key] = found
    while len(_TREES) > 8:
        _TREES.popitem(last=False)
    return found


def _safe(totals: np.ndarray, k: int) -> bool:
    """Every table's count is nobody or k and more."""
    return bool(np.all((totals == 0) | (totals >= k)))


def suppress(
    nodes: Iterable[GroupNode],
    *,
    k: int,
    roles: tuple[str, ...] = (),
    also: Iterable[Mapping[int, Sequence[int]]] = (),
    may_exclude: bool = True,
) -> Disclosure:
    """Decide which cells (unit subtree × group) may show a figure.

    `roles` are the role groups offered as a filter (none, or two: the
    leaders and the employees); without them only the ALL cells exist.
    `also` are further count tables over the same units, each {unit id:
    people placed directly there, per role group in the order of `roles`},
    never above the nodes' own counts (say, the respondents with a score on
    each dimension). One decision is made for every table at once.

    With `may_exclude`, a too small remainder at the root may be left out of
    every figure (`Disclosure.excluded`) when that is cheaper than hiding a
    unit; callers must then add up without those units' people. Without it,
    the root is hidden instead when no merge makes its remainder safe.
    """
    if k < 1:
        raise ValueError("k must be positive")
    if len(roles) not in (0, 2):
        raise ValueError("role groups come as none or a pair")
    nodes = list(nodes)
    tree = _tree(nodes)
    groups = roles or (ALL,)
    n_units, n_roles = len(nodes), len(groups)
    extra = list(also)
    # direct[u, t, r]: people placed directly in unit u, table t, role group r.
    direct = np.zeros((n_units, 1 + len(extra), n_roles), dtype=np.int64)
    direct[:, 0, :] = [[int(n.counts.get(g, 0)) for g in groups] for n in nodes]
    nobody = [0] * n_roles
    for t, table in enumerate(extra, start=1):
        if set(table) - set(tree.ids):
            raise ValueError("a count table names a unit that is not among the nodes")
        direct[:, t, :] = [table.get(uid, nobody) for uid in tree.ids]
    if np.any(direct[:, 1:, :] > direct[:, :1, :]) or np.any(direct < 0):
        # Soundness rests on every table's people being among the respondents.
        raise ValueError("a count table has more respondents than the nodes")
    original = direct

    respondents = _roll_up(tree, direct)[:, 0, :].sum(axis=1)
    closed, blocks, excluded = _partition(tree, direct, respondents, k, may_exclude)
    if excluded:
        # Their people are in no figure: count every cell without them.
        direct = direct.copy()
        direct[excluded] = 0
    subtree = _roll_up(tree, direct)
    respondents = subtree[:, 0, :].sum(axis=1)  # per unit subtree, every role group
    visible: set[tuple[int, str]] = set()
    for i, uid in enumerate(tree.ids):
        if closed[i] and respondents[i] > 0:
            visible.add((uid, ALL))
    if roles:
        for i in _role_split(tree, subtree, closed, respondents, blocks, k):
            for r, role in enumerate(roles):
                if subtree[i, 0, r] > 0:
                    visible.add((tree.ids[i], role))

    totals: dict[tuple[int, str], int] = {}
    for i, uid in enumerate(tree.ids):
        totals[(uid, ALL)] = int(respondents[i])
        if roles:
            for r, role in enumerate(roles):
                totals[(uid, role)] = int(subtree[i, 0, r])
    return Disclosure(
        k=k,
        roles=roles,
        totals=totals,
        visible=visible,
        blocks=[
            Block(
                home=tree.ids[b.home],
                units=tuple(tree.ids[u] for u in b.units),
                respondents=int(b.counts[0].sum()),
            )
            for b in blocks
            if b.alive
        ],
        direct={uid: int(original[i, 0, :].sum()) for i, uid in enumerate(tree.ids)},
        excluded={tree.ids[i] for i in excluded},
        excluded_respondents=int(original[excluded, 0, :].sum()) if excluded else 0,
    )


def _roll_up(tree: _Tree, direct: np.ndarray) -> np.ndarray:
    subtree = direct.copy()
    for i in reversed(tree.order):
        p = tree.parent[i]
        if p >= 0:
            subtree[p] += subtree[i]
    return subtree


@dataclass
class _Block:
    home: int
    units: list[int]
    counts: np.ndarray  # tables × role groups
    alive: bool = True


def _partition(tree: _Tree, direct: np.ndarray, respondents: np.ndarray, k: int, may_exclude: bool):
    """Blocks, which unit subtrees are whole unions of them, and which units' own people
    are left out of every figure (a too small remainder at a root).

    Each unit either *closes* (its remainder becomes a block, or it has none) and is
    shown, or stays *open*, is hidden and passes its remainder up. Which units stay
    open is chosen by dynamic programming over the tree on the respondents' counts,
    for the least total cost: hiding a unit costs its own people in full and the
    people below it SUBTREE_WEIGHT each (their sub-units' figures stay); leaving a
    remainder out at a root costs EXCLUDE_WEIGHT · k per answer. A block that is
    unsafe in another count table keeps its unit open, and the choice is made again.
    """
    own = direct[:, 0, :].sum(axis=1)
    hide_cost = own + SUBTREE_WEIGHT * (respondents - own)
    # need[u]: respondents a block closed at u must hold. k at first; a block that
    # is unsafe in another table must take in more people, and the choice is redone.
    need = np.full(len(tree.ids), k, dtype=np.int64)
    while True:
        opened, excluded_roots = _choose_open(tree, own, hide_cost, k, need, may_exclude)
        closed, blocks, excluded = _blocks(tree, direct, opened, excluded_roots)
        if blocks:
            per_table = np.stack([b.counts for b in blocks]).sum(axis=2)
            bad = ~((per_table == 0) | (per_table >= k)).all(axis=1)
            unsafe = [b for b, flag in zip(blocks, bad.tolist(), strict=True) if flag]
        else:
            unsafe = []
        if not unsafe:
            return closed, blocks, excluded
        for block in unsafe:
            need[block.home] = int(block.counts[0].sum()) + 1


def _choose_open(tree, own, hide_cost, k, need, may_exclude):
    """The units to leave open, by min-cost dynamic programming.

    The state of a unit is the number of respondents it passes up, capped at
    `cap` (the largest need): a remainder of that many or more may be absorbed by
    a parent, hiding the unit. best[u] maps each reachable state to the least
    cost within u's subtree of passing it up; a unit closes when it passes up
    nobody, or need[u] or more (its remainder becomes a block). The states are
    few and sparse, so plain dictionaries beat arrays here.
    """
    cap = int(need.max())
    own_list = [min(int(n), cap) for n in own]
    hide = hide_cost.tolist()
    best: list[dict[int, float]] = [{}] * len(tree.ids)
    # choices[u][j][state]: the (state before, child's state) that gave it, per child j.
    choices: list[list[dict[int, tuple[int, int]]]] = [[] for _ in tree.ids]
    final: list[dict[int, float]] = [{}] * len(tree.ids)

    def leave_cost(count: int) -> float:
        return count * EXCLUDE_WEIGHT * k if may_exclude else ROOT_HIDDEN_COST

    for i in reversed(tree.order):
        dist = {own_list[i]: 0.0}
        steps = []
        for c in tree.children[i]:
            new: dict[int, float] = {}
            how: dict[int, tuple[int, int]] = {}
            for a, cost_a in dist.items():
                for p, cost_p in best[c].items():
                    t = a + p
                    if t > cap:
                        t = cap
                    v = cost_a + cost_p
                    if t not in new or v < new[t]:
                        new[t] = v
                        how[t] = (a, p)
            dist = new
            steps.append(how)
        choices[i] = steps
        final[i] = dist
        n_need = int(need[i])
        close = [v for s_, v in dist.items() if s_ == 0 or s_ >= n_need]
        result: dict[int, float] = {}
        if close:
            result[0] = min(close)
        if tree.parent[i] < 0:
            for s_, v in dist.items():
                if 0 < s_ < n_need and v + leave_cost(s_) < result.get(0, float("inf")):
                    result[0] = v + leave_cost(s_)
        else:
            for s_, v in dist.items():
                if s_:
                    result[s_] = v + hide[i]
        best[i] = result

    opened: set[int] = set()
    excluded_roots: set[int] = set()
    stack = [(i, 0) for i in tree.order if tree.parent[i] < 0]
    while stack:
        i, want = stack.pop()
        dist = final[i]
        n_need = int(need[i])
        if want:
            state = want
            opened.add(i)
        else:
            target = best[i][0]
            closing = [s_ for s_, v in dist.items() if (s_ == 0 or s_ >= n_need) and v == target]
            if closing:
                state = min(closing)
            else:  # a root that leaves its remainder out of the figures, or hides
                state = min(s_ for s_, v in dist.items() if s_ > 0 and v + leave_cost(s_) == target)
                (excluded_roots if may_exclude else opened).add(i)
        for j in range(len(choices[i]) - 1, -1, -1):
            a, p = choices[i][j][state]
            stack.append((tree.children[i][j], p))
            state = a
    return opened, excluded_roots


def _blocks(tree, direct, opened, excluded_roots):
    """Blocks from the units left open: each closing unit's remainder is one."""
    n_units = len(tree.ids)
    closed = [i not in opened for i in range(n_units)]
    pending = direct.copy()
    pending_units: list[list[int]] = [[i] for i in range(n_units)]
    blocks: list[_Block] = []
    excluded: list[int] = []
    for i in reversed(tree.order):
        for c in tree.children[i]:
            if not closed[c]:
                pending[i] += pending[c]
                pending_units[i].extend(pending_units[c])
        if not closed[i]:
            continue
        if i in excluded_roots:
            excluded.extend(pending_units[i])
        elif pending[i][0].sum() > 0:
            blocks.append(_Block(home=i, units=pending_units[i], counts=pending[i].copy()))
    return closed, blocks, excluded


def _role_split(tree, subtree, closed, respondents, blocks, k) -> list[int]:
    """Units whose leaders and employees are shown apart, chosen top-down."""
    # Per unit: the role parts of the blocks closed there that mix both groups, per
    # table — the only parts a combination of role cells can single out.
    mixed = np.zeros_like(subtree)
    for block in blocks:
        if not block.alive:
            continue
        both = (block.counts > 0).all(axis=1)  # per table: does the block mix the groups
        mixed[block.home] += block.counts * both[:, None]
    mixed_below = mixed.copy()
    for i in reversed(tree.order):
        p = tree.parent[i]
        if p >= 0:
            mixed_below[p] += mixed_below[i]

    def safe(parts: np.ndarray) -> bool:
        return bool(np.all((parts == 0) | (parts >= k)))

    chosen: list[int] = []
    # zone[i]: the mixed parts in the zone of the nearest chosen unit at or above i.
    zone_of: list[int] = [-1] * len(tree.ids)
    zone: dict[int, np.ndarray] = {}
    for i in tree.order:  # parents first
        p = tree.parent[i]
        owner = zone_of[p] if p >= 0 else -1
        zone_of[i] = owner
        if not closed[i] or respondents[i] == 0 or not safe(subtree[i]):
            continue
        inside = mixed_below[i]
        outside = zone[owner] - inside if owner >= 0 else None
        if not safe(inside) or (outside is not None and not safe(outside)):
            continue
        if owner >= 0:
            zone[owner] = outside
        zone[i] = inside.copy()
        zone_of[i] = i
        chosen.append(i)
    return chosen


def share_in_shown_units(disclosures: Iterable[Disclosure]) -> Coverage:
    """Coverage summed over several decisions (say, every round of a survey)."""
    total = shown = 0
    for d in disclosures:
        c = d.coverage()
        total += c.respondents
        shown += c.in_shown_units
    return Coverage(respondents=total, in_shown_units=shown)


# --- figures that change one answer at a time ----------------------------------------


def batch_release(pending: Iterable[str], changed: str, *, k: int) -> tuple[list[str], bool]:
    """Whether a live figure may be recomputed now that `changed` has answered anew.

    A figure that follows each new or changed answer could be read before and
    after one person answers, and the difference would be that person's
    answer. So a live figure (the meaningfulness of a governance item) is
    published in batches: it is recomputed only when k or more distinct
    people have answered or changed their answer since it was last published.
    Any two published versions then differ by the answers of k or more people.
    `pending` are the keys (keyed hashes, never names) of those who changed
    since the last publication; returns the keys still pending and whether to
    publish now (when True, the caller publishes and keeps no pending keys).
    """
    keys = list(dict.fromkeys([*pending, changed]))
    if len(keys) >= k:
        return [], True
    return keys, False
