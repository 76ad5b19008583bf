import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import ndcg_score

from sklearn_recae.metrics import (
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    recall_n_at_k,
)

METRICS = [ndcg_at_k, recall_at_k, recall_n_at_k, precision_at_k]


def _brute_force(y_true, y_score, k, exclude):
    """Per-user loops straight from PROTOCOLS.md's definitions."""
    ndcg, recall, recall_n, precision = [], [], [], []
    for u in range(y_true.shape[0]):
        relevant = set(np.flatnonzero(y_true[u] > 0))
        if not relevant:
            continue
        candidates = [i for i in range(y_true.shape[1]) if not exclude[u, i]]
        ranked = sorted(candidates, key=lambda i: (-y_score[u, i], i))[:k]
        hits = [i in relevant for i in ranked]
        dcg = sum(h / np.log2(r + 2) for r, h in enumerate(hits))
        idcg = sum(1 / np.log2(r + 2) for r in range(min(k, len(relevant))))
        ndcg.append(dcg / idcg)
        recall.append(sum(hits) / min(k, len(relevant)))
        recall_n.append(sum(hits) / len(relevant))
        precision.append(sum(hits) / k)
    return [np.mean(v) for v in (ndcg, recall, recall_n, precision)]


def test_hand_computed_case():
    """User 0: held out {1, 3}, ranking 0 > 1 > 3 > 2. User 1: nothing held out,
    skipped. User 2: held out {2}, item 0 excluded, ranking 3 > 2 > 1."""
    y_true = sp.csr_matrix(np.array([[0, 1, 0, 1], [0, 0, 0, 0], [0, 0, 1, 0]]))
    y_score = np.array([[0.9, 0.8, 0.1, 0.5], [1, 2, 3, 4], [0.9, 0.1, 0.5, 0.7]])
    exclude = sp.csr_matrix(np.array([[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]]))
    # user 0, k=2: list (0, 1): one hit at rank 2 -> DCG 1/log2(3);
    #   IDCG over min(2, 2) = 1 + 1/log2(3).
    # user 2, k=2: item 0 excluded, list (3, 2): hit at rank 2 -> DCG 1/log2(3);
    #   IDCG over min(2, 1) = 1.
    ndcg_u0 = (1 / np.log2(3)) / (1 + 1 / np.log2(3))
    ndcg_u2 = 1 / np.log2(3)
    kwargs = dict(k=2, exclude=exclude)
    assert ndcg_at_k(y_true, y_score, **kwargs) == pytest.approx(
        (ndcg_u0 + ndcg_u2) / 2
    )
    assert recall_at_k(y_true, y_score, **kwargs) == pytest.approx((1 / 2 + 1 / 1) / 2)
    assert recall_n_at_k(y_true, y_score, **kwargs) == pytest.approx((1 / 2 + 1) / 2)
    assert precision_at_k(y_true, y_score, **kwargs) == pytest.approx(
        (1 / 2 + 1 / 2) / 2
    )


@pytest.mark.parametrize("k", [1, 5, 20, 40, 55])
def test_metrics_match_brute_force_loops_with_ties(rng, k):
    y_true = (rng.random((60, 40)) < 0.1).astype(float)
    exclude = (rng.random((60, 40)) < 0.2) & (y_true == 0)
    y_score = rng.integers(0, 5, size=(60, 40)).astype(float)  # many ties
    expected = _brute_force(y_true, y_score, k, exclude)
    got = [
        m(sp.csr_matrix(y_true), y_score, k=k, exclude=sp.csr_matrix(exclude))
        for m in METRICS
    ]
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize("k", [3, 10])
def test_ndcg_matches_scikit_learn_without_ties(rng, k):
    y_true = (rng.random((30, 25)) < 0.2).astype(float)
    y_true[y_true.sum(axis=1) == 0, 0] = 1  # sklearn counts empty users as 0
    y_score = rng.random((30, 25))
    expected = ndcg_score(y_true, y_score, k=k, ignore_ties=True)
    assert ndcg_at_k(sp.csr_matrix(y_true), y_score, k=k) == pytest.approx(expected)


def test_perfect_ranking_scores_one(rng):
    y_true = (rng.random((20, 30)) < 0.2).astype(float)
    y_true[:, 0] = 1
    for metric in (ndcg_at_k, recall_at_k):
        assert metric(y_true, y_true + 0.0, k=5) == pytest.approx(1.0)


def test_batches_give_the_same_result_as_one_pass(rng):
    from sklearn import config_context

    y_true = sp.csr_matrix((rng.random((500, 50)) < 0.1).astype(float))
    y_score = rng.random((500, 50))
    whole = ndcg_at_k(y_true, y_score, k=10)
    with config_context(working_memory=0.01):  # ~10 kB: batches of a few users
        batched = ndcg_at_k(y_true, y_score, k=10)
    assert batched == pytest.approx(whole)


@pytest.mark.parametrize("metric", METRICS)
def test_errors(metric):
    y_true = sp.csr_matrix(np.eye(3))
    with pytest.raises(ValueError, match="shape of y_true"):
        metric(y_true, np.zeros((3, 2)), k=1)
    with pytest.raises(ValueError, match="no held-out interaction"):
        metric(sp.csr_matrix((3, 3)), np.zeros((3, 3)), k=1)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        metric(y_true, np.zeros((3, 3)), k=0)
    with pytest.raises(ValueError, match="scores hold NaN"):
        metric(y_true, np.full((3, 3), np.nan), k=1)
