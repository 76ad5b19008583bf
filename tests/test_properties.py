"""Property tests (hypothesis): metric ranges and invariances, splits, scorers."""

import numpy as np
import pytest
import scipy.sparse as sp

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sklearn_recae.metrics import (  # noqa: E402
    ndcg_at_k,
    ndcg_scorer,
    precision_at_k,
    recall_at_k,
    recall_n_at_k,
)
from sklearn_recae.model_selection import holdout_split  # noqa: E402

METRICS = [ndcg_at_k, recall_at_k, recall_n_at_k, precision_at_k]


@st.composite
def interactions(draw, min_users=1, max_users=12, max_items=15, min_per_row=1):
    n_users = draw(st.integers(min_users, max_users))
    n_items = draw(st.integers(2, max_items))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.RandomState(seed)
    dense = rng.rand(n_users, n_items) < draw(st.floats(0.1, 0.7))
    for row in np.flatnonzero(dense.sum(axis=1) < min_per_row):
        dense[row, rng.choice(n_items, min(min_per_row, n_items), replace=False)] = True
    values = rng.randint(1, 6, size=dense.shape) * dense
    return sp.csr_matrix(values.astype(np.float64)), rng


@settings(max_examples=60, deadline=None)
@given(interactions(), st.integers(1, 20))
def test_metrics_stay_in_unit_interval_and_ignore_user_order(data, k):
    y_true, rng = data
    scores = rng.randn(*y_true.shape)
    order = rng.permutation(y_true.shape[0])
    for metric in METRICS:
        value = metric(y_true, scores, k=k)
        assert 0.0 <= value <= 1.0
        assert metric(y_true[order], scores[order], k=k) == pytest.approx(value)


@settings(max_examples=60, deadline=None)
@given(interactions(), st.integers(1, 20))
def test_a_perfect_ranking_scores_one(data, k):
    y_true, _ = data
    scores = y_true.toarray() > 0  # every relevant item above every other
    assert ndcg_at_k(y_true, scores.astype(float), k=k) == pytest.approx(1.0)
    assert recall_at_k(y_true, scores.astype(float), k=k) == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(
    interactions(min_per_row=2),
    st.floats(0.05, 0.95),
    st.sampled_from(["random", "temporal", "leave_one_out"]),
)
def test_holdout_splits_partition_every_row(data, test_size, strategy):
    X, _ = data
    fold_in, fold_out = holdout_split(X, test_size, strategy=strategy, random_state=0)
    assert (fold_in + fold_out != X).nnz == 0  # together: exactly X
    assert fold_in.multiply(fold_out).nnz == 0  # no entry in both
    assert (np.diff(fold_in.indptr) >= 1).all()  # every row keeps an input


class _SpyRecommender:
    """Scores the fold-in items it is given far above every other item (a
    model that recommends what users already have) and records them."""

    def predict(self, X):
        self.seen = X.copy()
        return 1.0 + 10.0 * (X.toarray() > 0)


@settings(max_examples=40, deadline=None)
@given(interactions(min_per_row=2), st.integers(1, 10))
def test_scorers_never_rank_fold_in_items(data, k):
    """Fold-in items top the spy's scores; if the scorer let them be candidates
    they would fill the list, so the score must equal that of scores that
    ignore them entirely (uniform over the unseen items)."""
    X, _ = data
    spy = _SpyRecommender()
    score = ndcg_scorer(k=k, random_state=0)(spy, X)
    fold_in = spy.seen
    fold_out = X - fold_in
    fold_out.eliminate_zeros()
    assert fold_in.multiply(fold_out).nnz == 0
    uniform = np.ones(X.shape)
    assert score == pytest.approx(ndcg_at_k(fold_out, uniform, k=k, exclude=fold_in))
