"""The evaluation protocols of PROTOCOLS.md as functions on interaction matrices.

Each returns a dict of CSR matrices: ``train`` (what ``fit`` sees) and
``test_in`` / ``test_out`` (what ``predict`` sees, and what it is scored
against); S1 and Q1 add ``valid_in`` / ``valid_out`` for choosing settings.
"""

import numpy as np
import scipy.sparse as sp

from .model_selection import holdout_split

RANKING_PROTOCOLS = ("T1", "S1", "Q1")
RATING_PROTOCOLS = ("R1", "R2")


def binary(X):
    X = X.copy()
    X.data[:] = 1.0
    return X


def _time_ranks(timestamps):
    """Timestamps replaced by their global ranks (exact in float32)."""
    ranks = np.empty(timestamps.nnz, dtype=np.float32)
    ranks[np.argsort(timestamps.data, kind="stable")] = np.arange(1, timestamps.nnz + 1)
    return sp.csr_matrix(
        (ranks, timestamps.indices, timestamps.indptr), timestamps.shape
    )


def _user_split(X, seed, n_heldout, strategy, rounding):
    if isinstance(n_heldout, float):  # a share of the users left after filtering
        n_heldout = max(1, int(n_heldout * X.shape[0]))
    if isinstance(n_heldout, bool) or not isinstance(n_heldout, (int, np.integer)):
        raise TypeError(
            f"n_heldout must be an int or a float share, got {n_heldout!r}."
        )
    if n_heldout < 1:
        raise ValueError(
            f"n_heldout must be at least 1 (validation and test users each), got "
            f"{n_heldout}."
        )
    rows = np.random.RandomState(seed).permutation(X.shape[0])
    n_train = len(rows) - 2 * n_heldout
    if n_train < 1:
        raise ValueError(
            f"{X.shape[0]} users are left after the protocol's filter; they cannot "
            f"hold out 2 x {n_heldout} users (validation and test) and keep any for "
            f"training. Pass fewer held-out users (n_heldout, --n-heldout on the "
            f"command line), e.g. {max(1, X.shape[0] // 10)}, or more data."
        )
    train = X[rows[:n_train]]
    items = np.flatnonzero(np.diff(train.tocsc().indptr) > 0)
    split = {"train": train[:, items]}
    parts = {
        "valid": rows[n_train : n_train + n_heldout],
        "test": rows[n_train + n_heldout :],
    }
    for name, part in parts.items():
        fold_in, fold_out = holdout_split(
            X[part][:, items],
            0.2,
            strategy=strategy,
            random_state=seed,
            rounding=rounding,
        )
        split[f"{name}_in"], split[f"{name}_out"] = fold_in, fold_out
    return split


def split_t1(ratings, seed=0):
    """T1: every rating is 1; each user holds out ``n - int(0.8 n)`` at random."""
    X = binary(ratings)
    X_in, X_out = holdout_split(X, 0.2, random_state=seed, rounding="ceil")
    return {"train": X_in, "test_in": X_in, "test_out": X_out}


def split_s1(ratings, seed=98765, n_heldout=600):
    """S1 (Liang et al. 2018): ratings > 3.5, users with >= 5, held-out users."""
    X = (ratings > 3.5).astype(np.float32).tocsr()
    X = X[np.diff(X.indptr) >= 5]
    return _user_split(X, seed, n_heldout, "random", "floor")


def split_q1(ratings, timestamps, seed=12345, n_heldout=750):
    """Q1: S1's filter, at most 1,000 events a user, fold-out the latest 20%.

    Values are timestamp ranks (1 = earliest).
    """
    liked = ratings.data > 3.5
    if np.isnan(timestamps.data[liked]).any():
        raise ValueError("Q1 needs a timestamp for every rating above 3.5.")
    times = sp.csr_matrix(
        (
            np.where(liked, timestamps.data, 0.0),
            ratings.indices.copy(),
            ratings.indptr.copy(),
        ),
        ratings.shape,
    )
    times.eliminate_zeros()
    X = _time_ranks(times)
    counts = np.diff(X.indptr)
    X = X[(counts >= 5) & (counts <= 1000)]
    return _user_split(X, seed, n_heldout, "temporal", "ceil")


def split_entries(X, fraction, seed):
    """A seeded random ``fraction`` of all stored entries, as (rest, held-out)."""
    held = np.zeros(X.nnz, dtype=bool)
    held[np.random.RandomState(seed).permutation(X.nnz)[: round(fraction * X.nnz)]] = (
        True
    )
    rest, out = X.copy(), X.copy()
    rest.data = np.where(held, 0, X.data).astype(X.dtype)
    out.data = np.where(held, X.data, 0).astype(X.dtype)
    rest.eliminate_zeros()
    out.eliminate_zeros()
    return rest, out


def split_r1(ratings, seed=0):
    """R1: a seeded random 10% of all ratings is the test set."""
    train, test = split_entries(ratings, 0.1, seed)
    return {"train": train, "test_in": train, "test_out": test}


def split_r2(ratings, seed=0):
    """R2: 10% of each user's ratings is the test set (validation is carved in fit)."""
    train, test = holdout_split(ratings, 0.1, random_state=seed)
    return {"train": train, "test_in": train, "test_out": test}


def make_split(protocol, ratings, timestamps=None, n_heldout=None):
    """The split of ``protocol`` ('T1', 'S1', 'Q1', 'R1', 'R2').

    ``n_heldout``: validation and test users each for S1 and Q1, an int, or a
    float share of the users left after filtering; None keeps the protocol's.
    """
    if protocol == "T1":
        return split_t1(ratings)
    if protocol == "S1":
        return split_s1(
            ratings, **({} if n_heldout is None else {"n_heldout": n_heldout})
        )
    if protocol == "Q1":
        if timestamps is None:
            raise ValueError("Q1 needs timestamps; this data has none.")
        kwargs = {} if n_heldout is None else {"n_heldout": n_heldout}
        return split_q1(ratings, timestamps, **kwargs)
    if protocol == "R1":
        return split_r1(ratings)
    if protocol == "R2":
        return split_r2(ratings)
    raise ValueError(
        f"Unknown protocol {protocol!r}; choose one of "
        f"{RANKING_PROTOCOLS + RATING_PROTOCOLS}."
    )
