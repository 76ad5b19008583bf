"""Synthetic user x item interaction data with planted structure.

Two generators live here:

- :func:`make_interactions`, a seeded random generator with latent taste groups,
  Zipf-like item popularity, ratings and timestamps; the embedded default data set
  of the package's tests, examples and benchmarks.
- :func:`make_checkerboard`, a tiny deterministic block-diagonal matrix whose
  correct top-1 recommendation for every user is known in advance.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import Bunch, check_random_state

__all__ = ["make_checkerboard", "make_interactions"]

_VALUES = ("binary", "rating", "timestamp")

# Sampling without replacement is done by drawing with replacement and keeping the
# first occurrence of each item (successive sampling, the same distribution as
# ``numpy.random.choice(replace=False, p=...)``). Users whose draws did not give
# enough distinct items draw again; after ``_MAX_ROUNDS`` rounds, or when a user
# needs more than ``1 / _DENSE_RATIO`` of the items it may get, the remaining picks
# come from the Gumbel-top-k trick on that user's dense weight row, which gives the
# same distribution.
_MAX_ROUNDS = 6
_DENSE_RATIO = 4
_DENSE_CHUNK = 2**22  # entries of a dense (rows, n_items) block of Gumbel keys

# Rating model: rint(_RATING_BASE + _RATING_SAME * same_group + biases + noise).
_RATING_BASE = 2.9
_RATING_SAME = 1.2
# Timestamp model: each user starts at a time in [_T0, _T0 + _T_SPAN) and the gaps
# between events are 1 s + an exponential with mean _T_GAP seconds.
_T0 = 9.0e8  # 1998-07-09
_T_SPAN = 2.0e8  # about 6.3 years
_T_GAP = 6 * 3600.0


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an int, got {value!r} of type {type(value).__name__}. "
            f"Pass an integer >= {minimum}."
        )
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def _check_real(value, name, low, high, low_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number, got {value!r} of type "
            f"{type(value).__name__}."
        )
    value = float(value)
    too_low = value <= low if low_open else value < low
    if not np.isfinite(value) or too_low or value > high:
        left = "(" if low_open else "["
        raise ValueError(
            f"{name} must be in {left}{low}, {high}], got {value!r}. "
            f"Pass a value in that range."
        )
    return value


def _first_unique(rows, items, quota, n_rows, n_items):
    """Keep, per row, the first ``quota[row]`` distinct items in draw order.

    ``rows`` must be non-decreasing and, within a row, the entries in draw order.
    Returns ``(rows, items, ranks)`` of the kept entries sorted by (row, item), where
    ``ranks`` is the 0-based position of the item among the row's distinct draws.
    """
    n = rows.shape[0]
    if n == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    counts = np.bincount(rows, minlength=n_rows)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    idx_dtype = np.int32 if n < np.iinfo(np.int32).max else np.int64
    # Sort each row by item in C (scipy's per-row sort) carrying the draw index;
    # the rows keep their place, so ``rows`` still labels the sorted entries.
    draws = sp.csr_matrix(
        (np.arange(n, dtype=idx_dtype), items, indptr), shape=(n_rows, n_items)
    )
    draws.sort_indices()
    s_item = draws.indices
    s_draw = draws.data
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(s_item[1:], s_item[:-1], out=new[1:])
    new[indptr[1:-1]] = True
    first_draw = np.minimum.reduceat(s_draw, np.flatnonzero(new))
    is_first = np.zeros(n, dtype=bool)
    is_first[first_draw] = True
    n_first = np.cumsum(is_first, dtype=idx_dtype)
    base = np.concatenate([[0], n_first])[indptr[:-1]]
    ranks = n_first
    ranks -= (base + 1).astype(idx_dtype)[rows]
    keep = is_first & (ranks < quota[rows])
    sel = first_draw[keep[first_draw]]  # in (row, item) order
    return rows[sel], items[sel], ranks[sel]


def _guide_table(cum):
    """Index of the last ``cum`` value <= each of 8 * len(cum) equal-width knots."""
    n_knots = 8 * cum.shape[0]
    grid = np.arange(n_knots + 1) / n_knots
    return (np.searchsorted(cum, grid, side="right") - 1).astype(np.int32)


def _guided_search(cum, v, guide):
    """``clip(searchsorted(cum, v, side="right") - 1, 0, len(cum) - 2)``, faster.

    The guide table gives each needle a starting index that is right or one short
    for most needles; the others (and any float round-off) go to searchsorted.
    """
    n_knots = guide.shape[0] - 1
    last = cum.shape[0] - 1
    knot = np.clip(v * n_knots, 0, n_knots - 1).astype(np.int32)
    pos = guide[knot]
    nxt = np.minimum(pos + 1, last)
    pos += cum[nxt] <= v
    nxt = np.minimum(pos + 1, last)
    bad = (cum[pos] > v) | ((cum[nxt] <= v) & (pos < last))
    if bad.any():
        pos[bad] = np.searchsorted(cum, v[bad], side="right") - 1
    return np.clip(pos, 0, last - 1, out=pos)


def _gumbel_top(rng, groups, need, start_rank, excluded, logpop, item_groups, log_w):
    """Successive sampling of ``need[r]`` more items for each row r, densely.

    ``excluded`` is a CSR matrix (len(groups), n_items) of items already picked.
    ``log_w`` is (n_groups, 2): log weight factors for own-group and other items.
    """
    n_rows = groups.shape[0]
    n_items = logpop.shape[0]
    chunk = max(1, _DENSE_CHUNK // n_items)
    out_rows, out_items, out_ranks = [], [], []
    for lo in range(0, n_rows, chunk):  # loop over blocks of rows, not over users
        hi = min(n_rows, lo + chunk)
        g = groups[lo:hi]
        same = item_groups[None, :] == g[:, None]
        keys = logpop[None, :] + np.where(same, log_w[g, 0:1], log_w[g, 1:2])
        keys -= np.log(-np.log(rng.uniform(np.finfo(float).tiny, 1.0, keys.shape)))
        block = excluded[lo:hi].tocoo()
        keys[block.row, block.col] = -np.inf
        n_take = int(need[lo:hi].max(initial=0))
        if n_take == 0:
            continue
        top = np.argpartition(-keys, n_take - 1, axis=1)[:, :n_take]
        order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        r, c = np.nonzero(np.arange(n_take)[None, :] < need[lo:hi, None])
        out_rows.append(r + lo)
        out_items.append(top[r, c])
        out_ranks.append(start_rank[lo + r] + c)
    if not out_rows:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    return (
        np.concatenate(out_rows),
        np.concatenate(out_items).astype(np.int64),
        np.concatenate(out_ranks).astype(np.int64),
    )


def _group_log_masses(logpop, item_groups, n_groups):
    """log of the popularity mass of each group, and of its complement."""
    order = np.argsort(item_groups, kind="stable")
    sizes = np.bincount(item_groups, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    lp = logpop[order]
    gmax = np.maximum.reduceat(lp, starts)
    spread = np.exp(lp - np.repeat(gmax, sizes))
    log_mass = gmax + np.log(np.add.reduceat(spread, starts))
    top = logpop.max()
    log_total = top + np.log(np.exp(logpop - top).sum())
    with np.errstate(divide="ignore"):
        log_rest = log_total + np.log1p(-np.minimum(np.exp(log_mass - log_total), 1.0))
    return log_mass, log_rest


def make_interactions(
    n_users=500,
    n_items=200,
    *,
    n_groups=5,
    density=0.05,
    popularity_skew=1.0,
    group_strength=0.8,
    values="rating",
    return_bunch=False,
    random_state=None,
):
    """Generate user x item interactions with planted taste groups and popularity.

    Every user and every item belongs to one of ``n_groups`` latent taste groups
    (balanced sizes, random assignment). Items have a Zipf-like popularity
    ``pop_i ∝ rank_i ** -popularity_skew`` over a random ranking of the items. A
    user of group ``g`` draws its items without replacement with probability

    .. math::

        p(i \\mid u) \\propto
        \\begin{cases}
            s \\, pop_i / P_g & \\text{if item } i \\text{ is in group } g\\\\
            (1 - s) \\, pop_i / (1 - P_g) & \\text{otherwise}
        \\end{cases}

    where ``s = group_strength`` is the share of the user's probability mass on its
    own group's items and ``P_g`` the popularity mass of group ``g`` (with a single
    group every item is the user's own). The number of interactions of a user is a
    gamma-Poisson (negative binomial) draw with mean about ``density * n_items``,
    clipped to at least 2 and at most the number of items the user can get.

    Time and memory are O(nnz): 100,000 users x 20,000 items at ``density=0.005``
    (10 million interactions) take a few seconds.

    Parameters
    ----------
    n_users : int, default=500
        Number of users (rows).

    n_items : int, default=200
        Number of items (columns). At least 2.

    n_groups : int, default=5
        Number of latent taste groups; at most ``n_items``.

    density : float, default=0.05
        Target share of items each user interacts with, in (0, 1].

    popularity_skew : float, default=1.0
        Exponent of the Zipf-like item popularity; 0 makes items equally popular.

    group_strength : float, default=0.8
        Share of a user's probability mass on its own group's items, in [0, 1].
        ``1 / n_groups`` is about no group structure.

    values : {'binary', 'rating', 'timestamp'}, default='rating'
        What the stored entries hold:

        - 'binary': 1.0 for every interaction;
        - 'rating': integer ratings 1 to 5, higher on average for items of the
          user's own group (about 4.1 against 2.9), with user and item biases
          and noise;
        - 'timestamp': UNIX-like times in seconds (whole numbers around 1e9),
          strictly increasing in the order the user drew its items, so distinct
          within a row. Returned as float64, because float32 cannot hold them
          (its spacing at 1e9 is 64 seconds).

        The sparsity pattern does not depend on ``values``.

    return_bunch : bool, default=False
        If True, return a :class:`~sklearn.utils.Bunch` holding the matrix, the
        other value kinds and the planted structure instead of the matrix alone.

    random_state : int, RandomState instance or None, default=None
        Seed of the generator. Pass an int for reproducible output.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_users, n_items)
        The interactions, in canonical format (sorted indices, no duplicates, no
        stored zeros), dtype float32 (float64 for ``values='timestamp'``).
        Returned when ``return_bunch=False``.

    data : :class:`~sklearn.utils.Bunch`
        Returned when ``return_bunch=True``, with the keys

        data : scipy.sparse.csr_matrix of shape (n_users, n_items)
            ``X`` above.
        ratings : scipy.sparse.csr_matrix of shape (n_users, n_items)
            The ratings, float32.
        timestamps : scipy.sparse.csr_matrix of shape (n_users, n_items)
            The timestamps, float64.
        binary : scipy.sparse.csr_matrix of shape (n_users, n_items)
            Ones, float32.
        user_groups : ndarray of shape (n_users,)
            The taste group of each user.
        item_groups : ndarray of shape (n_items,)
            The taste group of each item.
        item_popularity : ndarray of shape (n_items,)
            The popularity of each item (sums to 1).

        All the matrices share the same sparsity pattern.

    See Also
    --------
    make_checkerboard : A tiny deterministic block-diagonal matrix.

    Examples
    --------
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=100, n_items=50, random_state=0)
    >>> X.shape, X.dtype
    ((100, 50), dtype('float32'))
    >>> bool(X.getnnz(axis=1).min() >= 2)
    True
    >>> sorted(set(X.data.tolist())) # doctest: +SKIP
    [1.0, 2.0, 3.0, 4.0, 5.0]
    >>> data = make_interactions(n_users=100, n_items=50, return_bunch=True,
    ...                          random_state=0)
    >>> data.user_groups.shape, data.item_groups.shape
    ((100,), (50,))
    >>> bool((data.timestamps.indices == X.indices).all())
    True
    """
    n_users = _check_int(n_users, "n_users", 1)
    n_items = _check_int(n_items, "n_items", 2)
    n_groups = _check_int(n_groups, "n_groups", 1)
    if n_groups > n_items:
        raise ValueError(
            f"n_groups={n_groups} is larger than n_items={n_items}; every group "
            f"needs at least one item. Pass n_groups <= n_items."
        )
    density = _check_real(density, "density", 0.0, 1.0, low_open=True)
    popularity_skew = _check_real(popularity_skew, "popularity_skew", 0.0, np.inf)
    group_strength = _check_real(group_strength, "group_strength", 0.0, 1.0)
    if values not in _VALUES:
        raise ValueError(
            f"values={values!r} is not supported; pass one of "
            f"{', '.join(repr(v) for v in _VALUES)}."
        )
    share = 1.0 if n_groups == 1 else group_strength
    min_size, max_size = n_items // n_groups, -(-n_items // n_groups)
    if share == 1.0 and min_size < 2:
        raise ValueError(
            f"With group_strength=1 users only get items of their own group, but "
            f"n_items={n_items} and n_groups={n_groups} leave groups of "
            f"{min_size} item(s); every user needs at least 2. Lower "
            f"group_strength or n_groups."
        )
    if share == 0.0 and n_items - max_size < 2:
        raise ValueError(
            f"With group_strength=0 users only get items of other groups, but "
            f"n_items={n_items} and n_groups={n_groups} leave fewer than 2 such "
            f"items; raise group_strength or n_groups."
        )
    rng = check_random_state(random_state)

    # Planted structure: balanced groups, Zipf-like popularity.
    item_groups = rng.permutation(np.arange(n_items) % n_groups)
    user_groups = rng.permutation(np.arange(n_users) % n_groups)
    pop_rank = rng.permutation(n_items) + 1
    logpop = -popularity_skew * np.log(pop_rank)
    popularity = np.exp(logpop - logpop.max())
    popularity /= popularity.sum()

    sizes = np.bincount(item_groups, minlength=n_groups)
    if share == 1.0:
        cap = sizes
    elif share == 0.0:
        cap = n_items - sizes
    else:
        cap = np.full(n_groups, n_items)
    mean = density * n_items
    n_inter = rng.poisson(rng.gamma(2.0, mean / 2.0, size=n_users))
    n_inter = np.clip(n_inter, 2, cap[user_groups]).astype(np.int64)

    # Log weights of own-group / other items per group, for the dense path.
    log_mass, log_rest = _group_log_masses(logpop, item_groups, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_w = np.column_stack([np.log(share) - log_mass, np.log1p(-share) - log_rest])
    log_w[~np.isfinite(log_w)] = -np.inf

    # Inverse-CDF draws over the items sorted by group. For a user of group g the
    # CDF over that order has three linear pieces (other items before the group,
    # the group's own items, other items after it): u -> v = u * slope + offset
    # maps a uniform u to the popularity CDF ``cum``, where a search finds the item.
    by_group = np.argsort(item_groups, kind="stable").astype(np.int32)
    cum = np.concatenate([[0.0], np.cumsum(popularity[by_group])])
    g_hi = np.cumsum(sizes)
    c_lo, c_hi = cum[g_hi - sizes], cum[g_hi]
    mass = c_hi - c_lo
    w_own = share / np.maximum(mass, np.finfo(float).tiny)
    w_rest = (1.0 - share) / np.maximum(1.0 - mass, np.finfo(float).tiny)
    knots = np.column_stack([w_rest * c_lo, w_rest * c_lo + w_own * mass])
    with np.errstate(divide="ignore"):
        slope = 1.0 / np.column_stack([w_rest, w_own, w_rest])
    slope[~np.isfinite(slope)] = 0.0
    offset = np.column_stack(
        [
            np.zeros(n_groups),
            c_lo - knots[:, 0] * slope[:, 1],
            c_hi - knots[:, 1] * slope[:, 2],
        ]
    ).ravel()
    slope = slope.ravel()
    knots[w_rest == 0, 1] = np.inf  # only own items: never past the group

    guide = _guide_table(cum)

    def draw(groups):
        u = rng.uniform(size=groups.shape[0])
        piece = 3 * groups + (u >= knots[groups, 0]) + (u >= knots[groups, 1])
        v = u * slope[piece] + offset[piece]
        return by_group[_guided_search(cum, v, guide)]

    pieces = []
    dense = n_inter * _DENSE_RATIO > cap[user_groups]
    users = np.flatnonzero(~dense)
    empty = np.empty(0, dtype=np.int64)
    have_rows, have_items, have_ranks = empty, empty, empty
    factor = 1.1
    for _ in range(_MAX_ROUNDS):  # rounds of redraws, each over all short users
        if users.size == 0:
            break
        quota = n_inter[users]
        n_have = np.bincount(have_rows, minlength=users.size)
        n_draw = np.ceil((quota - n_have) * factor).astype(np.int64) + 4
        new_rows = np.repeat(np.arange(users.size, dtype=np.int32), n_draw)
        rows = np.concatenate([have_rows, new_rows])
        items = np.concatenate([have_items, draw(user_groups[users][new_rows])])
        if have_rows.size:
            order = np.argsort(rows, kind="stable")  # picks stay before new draws
            rows, items = rows[order], items[order]
        r, i, k = _first_unique(rows, items, quota, users.size, n_items)
        done = np.bincount(r, minlength=users.size) == quota
        keep = done[r]
        pieces.append((users[r[keep]], i[keep], k[keep]))
        # Short users keep their picks, in draw order, for the next round.
        short = ~keep
        by_rank = np.lexsort((k[short], r[short]))
        have_rows = (np.cumsum(~done) - 1)[r[short][by_rank]]
        have_items = i[short][by_rank]
        have_ranks = k[short][by_rank]
        users = users[~done]
        factor *= 2
    # Dense Gumbel-top-k for users needing many of their items and for leftovers.
    n_dense = int(dense.sum())
    dense_users = np.concatenate([np.flatnonzero(dense), users])
    if dense_users.size:
        pieces.append((users[have_rows], have_items, have_ranks))
        n_have = np.concatenate(
            [
                np.zeros(n_dense, dtype=np.int64),
                np.bincount(have_rows, minlength=users.size),
            ]
        )
        excluded = sp.csr_matrix(
            (np.ones(have_rows.size), (have_rows + n_dense, have_items)),
            shape=(dense_users.size, n_items),
        )
        r, i, k = _gumbel_top(
            rng,
            user_groups[dense_users],
            n_inter[dense_users] - n_have,
            n_have,
            excluded,
            logpop,
            item_groups,
            log_w,
        )
        pieces.append((dense_users[r], i, k))

    rows = np.concatenate([p[0] for p in pieces])
    cols = np.concatenate([p[1] for p in pieces])
    ranks = np.concatenate([p[2] for p in pieces])
    pattern = sp.coo_matrix((ranks + 1, (rows, cols)), shape=(n_users, n_items)).tocsr()
    pattern.sort_indices()
    indptr, indices = pattern.indptr, pattern.indices
    ranks = pattern.data - 1
    nnz = indices.shape[0]
    row_of = np.repeat(np.arange(n_users), np.diff(indptr))

    # Ratings: higher for own-group items, with user and item biases and noise.
    same = item_groups[indices] == user_groups[row_of]
    user_bias = rng.normal(0.0, 0.4, size=n_users)
    item_bias = rng.normal(0.0, 0.4, size=n_items)
    score = (
        _RATING_BASE
        + _RATING_SAME * same
        + user_bias[row_of]
        + item_bias[indices]
        + rng.normal(0.0, 0.7, size=nnz)
    )
    ratings = np.clip(np.rint(score), 1, 5).astype(np.float32)

    # Timestamps: cumulative positive gaps in the order the user drew its items.
    start = _T0 + np.floor(rng.uniform(0.0, _T_SPAN, size=n_users))
    gaps = 1.0 + np.floor(rng.exponential(_T_GAP, size=nnz))
    csum = np.cumsum(gaps)
    base = np.concatenate([[0.0], csum])[indptr[:-1]]
    in_rank_order = start[row_of] + csum - base[row_of]
    times = in_rank_order[indptr[row_of] + ranks]

    def csr(values_):
        return sp.csr_matrix(
            (values_, indices.copy(), indptr.copy()), shape=(n_users, n_items)
        )

    matrices = {
        "binary": csr(np.ones(nnz, dtype=np.float32)),
        "rating": csr(ratings),
        "timestamp": csr(times),
    }
    X = matrices[values]
    if not return_bunch:
        return X
    return Bunch(
        data=X,
        ratings=matrices["rating"],
        timestamps=matrices["timestamp"],
        binary=matrices["binary"],
        user_groups=user_groups,
        item_groups=item_groups,
        item_popularity=popularity,
    )


def make_checkerboard(
    n_users=40, n_items=20, n_groups=2, *, fill=1.0, return_groups=False
):
    """Generate a tiny block-diagonal matrix whose top-1 recommendations are known.

    Users and items are cut into ``n_groups`` contiguous blocks of near-equal size:
    user ``u`` is in group ``u * n_groups // n_users`` and item ``j`` in group
    ``j * n_groups // n_items``. Every user interacts with every item of its own
    group except one held-back item, and with nothing else. If a group's users are
    ``u_0 < u_1 < ...`` and its items ``j_0 < j_1 < ... < j_{m-1}``, user ``u_r``
    holds back item ``j_{r mod m}``: the held-back items cycle through the group,
    so every item is still seen by other users of its group.

    The correct top-1 recommendation for each user (with seen items excluded) is
    its held-back item: the only unseen item of its own group, whose co-occurrence
    with the user's items is total. It is a fixture for recommender contract tests.

    Parameters
    ----------
    n_users : int, default=40
        Number of users (rows); at least ``2 * n_groups``.

    n_items : int, default=20
        Number of items (columns); at least ``2 * n_groups``.

    n_groups : int, default=2
        Number of diagonal blocks.

    fill : float, default=1.0
        The value of every stored interaction; must be positive.

    return_groups : bool, default=False
        If True, also return the group of each user and of each item.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_users, n_items)
        The interactions, float32, canonical format.

    user_groups : ndarray of shape (n_users,)
        The group of each user. Only returned if ``return_groups=True``.

    item_groups : ndarray of shape (n_items,)
        The group of each item. Only returned if ``return_groups=True``.

    See Also
    --------
    make_interactions : Random interactions with planted structure.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recae.datasets import make_checkerboard
    >>> X, user_groups, item_groups = make_checkerboard(
    ...     n_users=4, n_items=6, return_groups=True)
    >>> X.toarray().astype(int)
    array([[0, 1, 1, 0, 0, 0],
           [1, 0, 1, 0, 0, 0],
           [0, 0, 0, 0, 1, 1],
           [0, 0, 0, 1, 0, 1]])
    >>> # The correct top-1 for each user: the unseen item of its own group.
    >>> unseen_own = (user_groups[:, None] == item_groups) & (X.toarray() == 0)
    >>> unseen_own.argmax(axis=1)
    array([0, 1, 3, 4])
    """
    n_groups = _check_int(n_groups, "n_groups", 1)
    n_users = _check_int(n_users, "n_users", 1)
    n_items = _check_int(n_items, "n_items", 1)
    if n_users < 2 * n_groups or n_items < 2 * n_groups:
        raise ValueError(
            f"make_checkerboard needs at least 2 users and 2 items per group, got "
            f"n_users={n_users} and n_items={n_items} for n_groups={n_groups}. "
            f"Pass n_users >= {2 * n_groups} and n_items >= {2 * n_groups}, or "
            f"fewer groups."
        )
    fill = _check_real(fill, "fill", 0.0, np.inf, low_open=True)
    user_groups = np.arange(n_users) * n_groups // n_users
    item_groups = np.arange(n_items) * n_groups // n_items
    u_start = np.searchsorted(user_groups, np.arange(n_groups))
    i_start = np.searchsorted(item_groups, np.arange(n_groups))
    i_size = np.bincount(item_groups, minlength=n_groups)
    held_back = (
        i_start[user_groups]
        + (np.arange(n_users) - u_start[user_groups]) % i_size[user_groups]
    )
    rows = np.repeat(np.arange(n_users), i_size[user_groups])
    offset = np.arange(rows.size) - np.repeat(
        np.cumsum(i_size[user_groups]) - i_size[user_groups], i_size[user_groups]
    )
    cols = i_start[user_groups][rows] + offset
    keep = cols != held_back[rows]
    rows, cols = rows[keep], cols[keep]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_users))])
    X = sp.csr_matrix(
        (np.full(cols.size, fill, dtype=np.float32), cols, indptr),
        shape=(n_users, n_items),
    )
    if return_groups:
        return X, user_groups, item_groups
    return X
