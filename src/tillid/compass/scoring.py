"""Scores, intervals and reliability for the trust compass (pure Python).

Scores: an answer on a scale min..max maps linearly onto 0–100
(min → 0, max → 100); reverse-keyed items are mirrored (100 − score). A
respondent's dimension score is the mean of the dimension's items they
answered, when they answered at least half of them ("don't know" counts as
not answered). A group's score is the mean of its respondents' scores with
a 95 % t-interval; the shares favourable / neutral / unfavourable use the
cut-offs below (halfway between "neutral" and "agree"/"disagree" on a
five-point scale).

Reliability follows R's psych package: Cronbach's alpha from the item
covariance matrix with pairwise-complete observations (psych::alpha), the
Feldt interval (psych::alpha.ci), item–rest correlations from the same
matrix (psych's r.drop), and McDonald's omega total from a one-factor
minimum-residual factor analysis of the Pearson correlation matrix with
pairwise-complete observations, `cor(x, use="pairwise")` (psych::omega with
nfactors=1: omega_t = 1 − Σ uniquenesses / Σ R, items with a negative loading
turned as psych's flip does). Under missing answers that matrix is not the
covariance matrix scaled by the item variances: each pair has its own.
A Heywood case (a loading of 1 or more) counts its uniqueness as 0, where
psych's bounded optimiser stops at 0.005; elsewhere the minres solution is
the same least-squares optimum.

The t and F quantiles are computed here from the regularised incomplete
beta function (continued fraction, as in Numerical Recipes). A whole round's
scores are computed at once with numpy (`respondent_scores`, `group_sums`):
tens of thousands of respondents in a fraction of a second; the plain
functions above them are the reference they are tested against.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

FAVOURABLE_FROM = 62.5
UNFAVOURABLE_BELOW = 37.5


# --- scores -----------------------------------------------------------------


def item_score(value: float, *, low: int, high: int, reverse: bool = False) -> float:
    score = 100.0 * (value - low) / (high - low)
    return 100.0 - score if reverse else score


def respondent_score(
    answers: Mapping[str, int | None],
    items: Sequence[tuple[str, bool]],
    *,
    low: int,
    high: int,
) -> float | None:
    """Mean 0–100 score over `items` [(code, reverse)], or None under half answered."""
    if not items:
        return None
    scores = []
    for code, reverse in items:
        value = answers.get(code)
        if value is None:
            continue
        scores.append(item_score(value, low=low, high=high, reverse=reverse))
    if 2 * len(scores) < len(items):
        return None
    return sum(scores) / len(scores)


@dataclass(frozen=True)
class GroupScore:
    n: int
    mean: float
    low: float | None  # 95 % interval; None with a single respondent
    high: float | None
    favourable: float  # shares 0–1
    neutral: float
    unfavourable: float


def group_score(scores: Iterable[float], *, confidence: float = 0.95) -> GroupScore | None:
    values = [s for s in scores if s is not None]
    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    low = high = None
    if n > 1:
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
        half = t_quantile(1 - (1 - confidence) / 2, n - 1) * sd / math.sqrt(n)
        low, high = max(0.0, mean - half), min(100.0, mean + half)
    fav = sum(1 for v in values if v >= FAVOURABLE_FROM) / n
    unfav = sum(1 for v in values if v < UNFAVOURABLE_BELOW) / n
    return GroupScore(
        n=n,
        mean=mean,
        low=low,
        high=high,
        favourable=fav,
        neutral=1.0 - fav - unfav,
        unfavourable=unfav,
    )


@dataclass
class Accumulator:
    """Running sums for a group, so roll-ups never hold every score in memory."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0
    favourable: int = 0
    unfavourable: int = 0

    def add(self, score: float) -> None:
        self.n += 1
        self.total += score
        self.squares += score * score
        if score >= FAVOURABLE_FROM:
            self.favourable += 1
        elif score < UNFAVOURABLE_BELOW:
            self.unfavourable += 1

    @classmethod
    def from_sums(cls, sums: Sequence[float]) -> "Accumulator":
        """From one row of `group_sums` (in the order of SUM_FIELDS)."""
        n, total, squares, favourable, unfavourable = sums
        return cls(int(n), total, squares, int(favourable), int(unfavourable))

    def merge(self, other: "Accumulator") -> None:
        self.n += other.n
        self.total += other.total
        self.squares += other.squares
        self.favourable += other.favourable
        self.unfavourable += other.unfavourable

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def variance(self) -> float:
        if self.n < 2:
            return 0.0
        return max(0.0, (self.squares - self.total * self.total / self.n) / (self.n - 1))

    def result(self, *, confidence: float = 0.95) -> "GroupScore | None":
        if self.n == 0:
            return None
        mean = self.mean
        low = high = None
        if self.n > 1:
            half = (
                t_quantile(1 - (1 - confidence) / 2, self.n - 1)
                * math.sqrt(self.variance)
                / math.sqrt(self.n)
            )
            low, high = max(0.0, mean - half), min(100.0, mean + half)
        fav, unfav = self.favourable / self.n, self.unfavourable / self.n
        return GroupScore(
            n=self.n,
            mean=mean,
            low=low,
            high=high,
            favourable=fav,
            neutral=1.0 - fav - unfav,
            unfavourable=unfav,
        )


# The running sums of a group, as columns of `group_sums`.
SUM_FIELDS = ("n", "total", "squares", "favourable", "unfavourable")


def respondent_scores(
    values: np.ndarray,
    items: Sequence[tuple[str, bool]],
    dimensions: Sequence[Sequence[str]],
    *,
    low: int,
    high: int,
) -> np.ndarray:
    """Every respondent's score on every dimension at once (respondents × dimensions).

    `values` holds the answers (respondents × items in the order of `items`,
    NaN where not answered). The same rule as `respondent_score`: NaN where
    under half the dimension's items are answered.
    """
    column = {code: i for i, (code, _reverse) in enumerate(items)}
    scores = 100.0 * (values - low) / (high - low)
    reverse = np.array([rev for _, rev in items], dtype=bool)
    scores[:, reverse] = 100.0 - scores[:, reverse]
    out = np.full((values.shape[0], len(dimensions)), np.nan)
    for d, members in enumerate(dimensions):
        if not members:
            continue
        part = scores[:, [column[m] for m in members]]
        answered = np.count_nonzero(~np.isnan(part), axis=1)
        enough = (answered > 0) & (2 * answered >= len(members))
        total = np.nansum(part, axis=1)
        out[enough, d] = total[enough] / answered[enough]
    return out


def group_sums(scores: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Running sums per group and dimension: an array groups × dimensions × SUM_FIELDS.

    `groups[r]` is respondent r's group number; respondents without a score
    on a dimension are left out of that dimension's sums.
    """
    out = np.zeros((n_groups, scores.shape[1], len(SUM_FIELDS)))
    for d in range(scores.shape[1]):
        s = scores[:, d]
        scored = ~np.isnan(s)
        g, v = groups[scored], s[scored]
        out[:, d, 0] = np.bincount(g, minlength=n_groups)
        out[:, d, 1] = np.bincount(g, weights=v, minlength=n_groups)
        out[:, d, 2] = np.bincount(g, weights=v * v, minlength=n_groups)
        out[:, d, 3] = np.bincount(g[v >= FAVOURABLE_FROM], minlength=n_groups)
        out[:, d, 4] = np.bincount(g[v < UNFAVOURABLE_BELOW], minlength=n_groups)
    return out


def difference_from_sums(
    a: Accumulator, b: Accumulator, *, confidence: float = 0.95
) -> tuple[float, float, float] | None:
    """As difference_interval, from running sums."""
    if a.n < 2 or b.n < 2:
        return None
    va, vb = a.variance / a.n, b.variance / b.n
    se2 = va + vb
    diff = a.mean - b.mean
    if se2 == 0:
        return diff, diff, diff
    df = se2**2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    half = t_quantile(1 - (1 - confidence) / 2, df) * math.sqrt(se2)
    return diff, diff - half, diff + half


def difference_interval(
    a: Sequence[float], b: Sequence[float], *, confidence: float = 0.95
) -> tuple[float, float, float] | None:
    """Mean of a minus mean of b with a Welch t-interval (independent groups)."""
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return None
    ma, mb = sum(a) / na, sum(b) / nb
    va = sum((x - ma) ** 2 for x in a) / (na - 1)
    vb = sum((x - mb) ** 2 for x in b) / (nb - 1)
    se2 = va / na + vb / nb
    diff = ma - mb
    if se2 == 0:
        return diff, diff, diff
    df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    half = t_quantile(1 - (1 - confidence) / 2, df) * math.sqrt(se2)
    return diff, diff - half, diff + half


# --- distributions -------------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    x = df / (df + t * t)
    tail = 0.5 * betainc(df / 2.0, 0.5, x)
    return 1.0 - tail if t >= 0 else tail


def f_cdf(f: float, df1: float, df2: float) -> float:
    if f <= 0:
        return 0.0
    return betainc(df1 / 2.0, df2 / 2.0, df1 * f / (df1 * f + df2))


def _invert(cdf, p: float, low: float, high: float) -> float:
    # Widen until the bracket holds, then bisect (monotone cdf).
    while cdf(high) < p:
        high *= 2.0
    while cdf(low) > p:
        low = low * 2.0 if low < 0 else low / 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if cdf(mid) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-12 * max(1.0, abs(mid)):
            break
    return (low + high) / 2.0


@lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    return _invert(lambda t: t_cdf(t, df), p, 0.0, 10.0)


@lru_cache(maxsize=1024)
def f_quantile(p: float, df1: float, df2: float) -> float:
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    return _invert(lambda f: f_cdf(f, df1, df2), p, 1e-9, 10.0)


# --- reliability -----------------------------------------------------------------

Matrix = list[list[float]]


def _score_matrix(rows: Sequence[Sequence[float | None]]) -> np.ndarray:
    """Rows with None as a float matrix with NaN (respondents × items)."""
    if not rows:
        return np.empty((0, 0))
    return np.array([[math.nan if v is None else v for v in r] for r in rows], dtype=float)


def _pairwise_moments(values: np.ndarray):
    """Per pair (i, j), over the respondents who answered both: the covariance
    and the variances of i and of j (R: `cov`, `cor` with use="pairwise").

    Returns (cov, var_i, var_j), each items × items: var_i[i, j] is item i's
    variance among the respondents of pair (i, j); NaN under two of them.
    Two passes per pair (means, then centred products), as R and pandas do,
    so an item that does not vary within a pair has a variance of exactly 0.
    """
    p = values.shape[1]
    answered = ~np.isnan(values)
    cov = np.full((p, p), np.nan)
    var_i = np.full((p, p), np.nan)
    for i in range(p):
        for j in range(i, p):
            both = answered[:, i] & answered[:, j]
            n = int(both.sum())
            if n < 2:
                continue
            a = values[both, i] - values[both, i].mean()
            b = values[both, j] - values[both, j].mean()
            cov[i, j] = cov[j, i] = float(a @ b) / (n - 1)
            var_i[i, j] = float(a @ a) / (n - 1)
            var_i[j, i] = float(b @ b) / (n - 1)
    return cov, var_i, var_i.T


def pairwise_covariance(rows: Sequence[Sequence[float | None]]) -> tuple[Matrix, list[int]]:
    """Covariance matrix with pairwise-complete observations (R: cov(x, use="pairwise")).

    Also returns each item's number of observations. NaN for a pair answered
    by fewer than two respondents.
    """
    values = _score_matrix(rows)
    cov, _var_i, _var_j = _pairwise_moments(values)
    counts = [int(c) for c in (~np.isnan(values)).sum(axis=0)]
    return cov.tolist(), counts


def pairwise_correlation(rows: Sequence[Sequence[float | None]]) -> Matrix:
    """Pearson correlations with pairwise-complete observations (R: cor(x, use="pairwise")).

    Each pair's correlation uses only the respondents who answered both
    items: their covariance over the two standard deviations *among them*,
    not over everyone who answered each item (as cov2cor of the pairwise
    covariance would have it). This is the matrix psych::omega analyses.
    NaN where a pair has fewer than two respondents or an item does not vary
    among them; 1 on the diagonal of an item that varies.
    """
    values = _score_matrix(rows)
    cov, var_i, var_j = _pairwise_moments(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.sqrt(var_i * var_j)
    corr[~((var_i > 0) & (var_j > 0))] = np.nan
    corr[np.diag_indices_from(corr)] = np.where(np.diag(var_i) > 0, 1.0, np.nan)
    # Rounding may put |r| a hair above 1 for a perfectly related pair.
    return np.clip(corr, -1.0, 1.0).tolist()


# Below this share of the item variances, the variance of the sum counts as
# zero (every respondent has the same total): alpha is then undefined, and
# dividing by a rounding residue would give a huge negative figure.
_DEGENERATE_TOTAL = 1e-9


def alpha_from_covariance(cov: Matrix) -> float:
    """Cronbach's alpha; NaN when the sum of the items does not vary."""
    p = len(cov)
    total = sum(sum(row) for row in cov)
    trace = sum(cov[i][i] for i in range(p))
    if total <= _DEGENERATE_TOTAL * trace:
        return math.nan
    return (1.0 - trace / total) * p / (p - 1)


def feldt_interval(
    alpha: float, n_obs: int, n_items: int, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Feldt's interval for alpha, as psych::alpha.ci."""
    df1 = n_obs - 1
    df2 = (n_obs - 1) * (n_items - 1)
    tail = (1 - confidence) / 2
    low = 1 - (1 - alpha) * f_quantile(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * f_quantile(tail, df1, df2)
    return low, high


def item_rest_correlations(cov: Matrix) -> list[float]:
    """Each item's correlation with the sum of the other items (psych's r.drop)."""
    p = len(cov)
    out = []
    for i in range(p):
        others = [j for j in range(p) if j != i]
        cov_rest = sum(cov[i][j] for j in others)
        var_rest = sum(cov[a][b] for a in others for b in others)
        denom = math.sqrt(cov[i][i] * var_rest) if cov[i][i] > 0 and var_rest > 0 else 0.0
        out.append(cov_rest / denom if denom else math.nan)
    return out


def minres_one_factor(corr: Matrix, *, iterations: int = 2000) -> list[float]:
    """Loadings minimising the squared off-diagonal residuals R − λλᵀ.

    Coordinate-wise least squares: λ_i = Σ_j≠i r_ij λ_j / Σ_j≠i λ_j², repeated
    until the loadings settle. This is the one-factor minres solution.
    """
    p = len(corr)
    if p < 2:
        return [1.0] * p
    lam = [
        math.sqrt(max(0.05, sum(abs(corr[i][j]) for j in range(p) if j != i) / (p - 1)))
        for i in range(p)
    ]
    for _ in range(iterations):
        biggest = 0.0
        for i in range(p):
            num = sum(corr[i][j] * lam[j] for j in range(p) if j != i)
            den = sum(lam[j] ** 2 for j in range(p) if j != i)
            new = num / den if den else 0.0
            biggest = max(biggest, abs(new - lam[i]))
            lam[i] = new
        if biggest < 1e-12:
            break
    lam = _newton_polish(np.array(corr, dtype=float), np.array(lam))
    if sum(lam) < 0:
        lam = [-x for x in lam]
    return lam


def _off_diagonal_loss(corr: np.ndarray, lam: np.ndarray) -> float:
    residual = corr - np.outer(lam, lam)
    np.fill_diagonal(residual, 0.0)
    return float((residual * residual).sum())


def _newton_polish(corr: np.ndarray, lam: np.ndarray, *, steps: int = 100) -> list[float]:
    """Damped Newton steps (Levenberg–Marquardt) on the minres loss.

    Coordinate descent settles linearly, and slowly along flat valleys (a
    near-zero loading, or three items that fit exactly); Newton's method
    from its end point reaches the optimum to machine precision. A step that
    does not lower the loss is retried with more damping, so the result is
    never worse than the starting point.
    """
    loss = _off_diagonal_loss(corr, lam)
    damping = 0.0
    for _ in range(steps):
        residual = corr - np.outer(lam, lam)
        np.fill_diagonal(residual, 0.0)
        gradient = -4.0 * residual @ lam
        if np.abs(gradient).max() < 1e-15:
            break
        hessian = -4.0 * corr + 8.0 * np.outer(lam, lam)
        np.fill_diagonal(hessian, 4.0 * ((lam * lam).sum() - lam * lam))
        scale = float(np.abs(np.diag(hessian)).max()) or 1.0
        for _retry in range(40):
            try:
                step = np.linalg.solve(hessian + damping * scale * np.eye(len(lam)), gradient)
            except np.linalg.LinAlgError:
                step = None
            if step is not None:
                candidate = lam - step
                new_loss = _off_diagonal_loss(corr, candidate)
                if new_loss <= loss:
                    break
            damping = max(1e-12, damping * 10.0)
        else:
            break
        if np.abs(candidate - lam).max() == 0.0:
            break
        lam, loss = candidate, new_loss
        damping /= 10.0
        if damping < 1e-12:
            damping = 0.0
    return lam.tolist()


def omega_total(corr: Matrix) -> tuple[float, list[float]]:
    """McDonald's omega total from a one-factor minres solution, as psych::omega.

    psych (omega with flip=TRUE) turns items that load negatively before it
    sums the matrix, so the total variance is Σ k_i k_j r_ij with k_i the sign
    of loading i (0 counts as positive); the unique variances are 1 − λ_i².
    Returns (omega total, loadings).
    """
    lam = minres_one_factor(corr)
    key = [-1.0 if x < 0 else 1.0 for x in lam]
    p = len(corr)
    total = sum(key[i] * key[j] * corr[i][j] for i in range(p) for j in range(p))
    uniq = sum(1.0 - min(1.0, x * x) for x in lam)
    return 1.0 - uniq / total, lam


def _finite(value: float | None) -> float | None:
    """The value for JSON: a float as it is (full precision), None for NaN/inf."""
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class Reliability:
    n: int
    items: list[str]
    alpha: float
    alpha_low: float
    alpha_high: float
    item_rest: dict[str, float]
    omega_total: float | None  # None when a pair's correlation is undefined
    loadings: dict[str, float] | None

    def as_dict(self) -> dict:
        """Full double precision (json writes floats round-trip exact); pages round."""
        return {
            "n": self.n,
            "items": self.items,
            "alpha": _finite(self.alpha),
            "alpha_ci95": [_finite(self.alpha_low), _finite(self.alpha_high)],
            "item_rest": {k: _finite(v) for k, v in self.item_rest.items()},
            "omega_total": _finite(self.omega_total),
            "loadings": None
            if self.loadings is None
            else {k: _finite(v) for k, v in self.loadings.items()},
        }


def reliability(codes: Sequence[str], rows: Sequence[Sequence[float | None]]) -> Reliability | None:
    """Reliability of one dimension; rows are respondents, columns item scores.

    Every row counts as psych counts it: an item's variance is over all who
    answered it (also those who answered only that item), and the Feldt
    interval's n is the number of rows (psych::alpha's nrow(x)). None when
    fewer than two items or three respondents with two answers or more.
    Alpha, its interval and item–rest r come from the pairwise covariance
    (psych::alpha), omega total from the pairwise correlation (psych::omega);
    omega is None where some pair has no correlation (psych stops there).
    """
    rows = list(rows)
    if len(codes) < 2 or sum(1 for r in rows if sum(v is not None for v in r) >= 2) < 3:
        return None
    cov, _counts = pairwise_covariance(rows)
    if any(math.isnan(c) for row in cov for c in row):
        return None
    if any(cov[i][i] <= 0 for i in range(len(codes))):
        return None
    alpha = alpha_from_covariance(cov)
    if math.isnan(alpha):
        return None
    low, high = feldt_interval(alpha, len(rows), len(codes))
    corr = pairwise_correlation(rows)
    omega, loadings = None, None
    if not any(math.isnan(r) for row in corr for r in row):
        omega, lam = omega_total(corr)
        loadings = dict(zip(codes, lam, strict=True))
    return Reliability(
        n=len(rows),
        items=list(codes),
        alpha=alpha,
        alpha_low=low,
        alpha_high=high,
        item_rest=dict(zip(codes, item_rest_correlations(cov), strict=True)),
        omega_total=omega,
        loadings=loadings,
    )
