import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    cross_val_score,
    cross_validate,
)

from sklearn_recae import EASE
from sklearn_recae.base import RatingMixin
from sklearn_recae.metrics import (
    RecommenderScorer,
    ndcg_at_k,
    ndcg_scorer,
    neg_rmse_scorer,
    precision_scorer,
    recall_n_scorer,
    recall_scorer,
    rmse_scorer,
)
from sklearn_recae.model_selection import (
    UserKFold,
    WeakGeneralizationSplit,
    holdout_split,
)
from sklearn_recae.utils import check_interactions


class ItemMean(RatingMixin, BaseEstimator):
    """Predicts each item's mean training rating (global mean for unseen items)."""

    def fit(self, X, y=None):
        X = check_interactions(X, estimator=self)
        counts = np.diff(X.tocsc().indptr)
        sums = np.asarray(X.sum(axis=0)).ravel()
        self.mean_ = np.where(counts > 0, sums / np.maximum(counts, 1), X.data.mean())
        return self

    def predict(self, X):
        X = check_interactions(
            X, estimator=self, reset=False, require_interactions=False
        )
        return np.tile(self.mean_, (X.shape[0], 1))


class SeenFirst(BaseEstimator):
    """Scores the rows' own (fold-in) items highest: a scorer that failed to
    exclude them would find no hit in the top of the list."""

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        X = sp.csr_matrix(X)
        return X.toarray() * 100.0 + np.arange(X.shape[1])[::-1] / X.shape[1]


def test_with_y_uses_fold_in_and_fold_out(binary):
    X_in, X_out = holdout_split(binary, random_state=0)
    model = EASE(l2=10.0).fit(X_in)
    expected = ndcg_at_k(X_out, model.predict(X_in), k=10, exclude=X_in)
    assert ndcg_scorer(k=10)(model, X_in, X_out) == pytest.approx(expected)


@pytest.mark.parametrize("strategy", ["random", "temporal", "leave_one_out"])
def test_without_y_splits_rows_like_holdout_split(ratings, strategy):
    model = EASE(l2=10.0).fit(ratings)
    X_in, X_out = holdout_split(ratings, 0.2, strategy=strategy, random_state=0)
    expected = ndcg_at_k(X_out, model.predict(X_in), k=20, exclude=X_in)
    scorer = ndcg_scorer(k=20, strategy=strategy, random_state=0)
    assert scorer(model, ratings) == pytest.approx(expected)


def test_fold_in_items_are_never_candidates(binary):
    X_in, X_out = holdout_split(binary, random_state=0)
    scores = SeenFirst().predict(X_in)
    unseen_only = np.where(X_in.toarray() > 0, -np.inf, scores)
    expected = ndcg_at_k(X_out, np.nan_to_num(unseen_only, neginf=-1e9), k=5)
    assert ndcg_scorer(k=5)(SeenFirst(), X_in, X_out) == pytest.approx(expected)
    # every user keeps >= 1 fold-in item, which would fill a top-1 list
    assert ndcg_scorer(k=1, exclude_seen=False)(SeenFirst(), X_in, X_out) == 0.0


def test_threshold_defines_relevance():
    X_in = sp.csr_matrix(np.array([[1.0, 0, 0, 0]]))
    X_out = sp.csr_matrix(np.array([[0, 5.0, 2.0, 0]]))
    model = SeenFirst()  # ranks items 1 > 2 > 3 among unseen
    assert ndcg_scorer(k=1)(model, X_in, X_out) == 1.0
    assert recall_scorer(k=1, threshold=3.5)(model, X_in, X_out) == 1.0
    X_out_low_first = sp.csr_matrix(np.array([[0, 2.0, 5.0, 0]]))
    assert recall_scorer(k=1, threshold=3.5)(model, X_in, X_out_low_first) == 0.0


def test_rmse_scorer_matches_hand_computation():
    X_in = sp.csr_matrix(np.array([[4.0, 0, 2.0], [0, 3.0, 0]]))
    X_out = sp.csr_matrix(np.array([[0, 5.0, 0], [1.0, 0, 0]]))
    model = ItemMean().fit(X_in)  # means: item0 4, item1 3, item2 2
    expected = -np.sqrt(((3 - 5.0) ** 2 + (4 - 1.0) ** 2) / 2)
    assert neg_rmse_scorer()(model, X_in, X_out) == pytest.approx(expected)
    assert model.score(X_in, X_out) == pytest.approx(expected)


def test_all_scorers_in_grid_search_multi_metric_and_cross_validate(ratings):
    scoring = {
        "ndcg": ndcg_scorer(k=10),
        "recall": recall_scorer(k=10),
        "recall_n": recall_n_scorer(k=10),
        "precision": precision_scorer(k=10),
    }
    search = GridSearchCV(
        EASE(), {"l2": [1.0, 100.0]}, cv=UserKFold(3), scoring=scoring, refit="ndcg"
    ).fit(ratings)
    for name in scoring:
        scores = search.cv_results_[f"mean_test_{name}"]
        assert np.isfinite(scores).all() and ((0 <= scores) & (scores <= 1)).all()
    results = cross_validate(
        ItemMean(),
        ratings,
        cv=KFold(3),
        scoring={"rmse": neg_rmse_scorer(rating_range=(1, 5))},
    )
    assert (results["test_rmse"] < 0).all()


def test_weak_generalization_search_scores_held_out_entries(binary):
    X_in, X_out = holdout_split(binary, random_state=0)
    search = GridSearchCV(
        EASE(),
        {"l2": [1.0, 30.0]},
        cv=WeakGeneralizationSplit(),
        scoring=ndcg_scorer(k=10),
    ).fit(X_in, X_out)
    for l2, score in zip(
        [1.0, 30.0], search.cv_results_["mean_test_score"], strict=True
    ):
        model = EASE(l2=l2).fit(X_in)
        assert score == pytest.approx(ndcg_scorer(k=10)(model, X_in, X_out))


def test_scorer_is_bounded_in_memory_batches(binary):
    from sklearn import config_context

    model = EASE(l2=10.0).fit(binary)
    whole = ndcg_scorer(k=10)(model, binary)
    with config_context(working_memory=0.01):
        assert ndcg_scorer(k=10)(model, binary) == pytest.approx(whole)


def test_errors(binary):
    model = EASE(l2=10.0).fit(binary)
    with pytest.raises(ValueError, match="Unknown metric 'auc'"):
        RecommenderScorer("auc")
    with pytest.raises(ValueError, match="Unknown holdout strategy"):
        ndcg_scorer(strategy="latest")
    with pytest.raises(ValueError, match="No user has a held-out interaction"):
        ndcg_scorer()(model, binary, sp.csr_matrix(binary.shape))
    with pytest.raises(ValueError, match="Recommenders take no per-row target"):
        ndcg_scorer()(model, binary, np.zeros(binary.shape[0]))


def test_rmse_scorer_is_a_deprecated_alias_of_neg_rmse_scorer(ratings):
    # issue 14, item 5: the scorer returns -RMSE, so it is named neg_rmse_scorer
    model = ItemMean().fit(ratings)
    with pytest.warns(FutureWarning, match="renamed neg_rmse_scorer in 0.1"):
        old = rmse_scorer(rating_range=(1, 5))
    new = neg_rmse_scorer(rating_range=(1, 5))
    assert repr(old) == repr(new) == "neg_rmse_scorer(strategy='random')"
    assert old(model, ratings) == new(model, ratings) < 0


def test_neg_rmse_scorer_warns_nothing(ratings):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        neg_rmse_scorer()(ItemMean().fit(ratings), ratings)
        ItemMean().fit(ratings).score(ratings)


_FACTORIES = [
    (ndcg_scorer, "ndcg_scorer(k=100)"),
    (recall_scorer, "recall_scorer(k=100)"),
    (recall_n_scorer, "recall_n_scorer(k=100)"),
    (precision_scorer, "precision_scorer(k=100)"),
    (neg_rmse_scorer, "neg_rmse_scorer(rating_range=(1, 5))"),
]


def _uncalled(call):
    """The TypeError message for passing the factory uncalled (``scoring=f``)."""
    name = call.split("(")[0]
    return f"{name} is a scorer factory, not a scorer.*scoring={re.escape(call)}"


@pytest.mark.parametrize(
    "factory, call", _FACTORIES, ids=lambda f: getattr(f, "__name__", "")
)
@pytest.mark.parametrize("error_score", ["raise", np.nan])
def test_uncalled_factory_raises_in_grid_search(binary, factory, call, error_score):
    # issue 14, item 5: scoring=ndcg_scorer (not ndcg_scorer()) gave NaN scores
    # under the default error_score; now the search stops with a TypeError.
    model = ItemMean() if factory is neg_rmse_scorer else EASE()
    grid = {} if factory is neg_rmse_scorer else {"l2": [1.0, 10.0]}
    search = GridSearchCV(
        model, grid, cv=UserKFold(2), scoring=factory, error_score=error_score
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Scoring failed ... set to nan"
        with pytest.raises(TypeError, match=_uncalled(call)):
            search.fit(binary)


@pytest.mark.parametrize("error_score", ["raise", np.nan])
def test_uncalled_factory_raises_in_cross_validate(binary, error_score):
    with pytest.raises(TypeError, match=_uncalled("ndcg_scorer(k=100)")):
        cross_validate(
            EASE(),
            binary,
            cv=UserKFold(2),
            scoring=ndcg_scorer,
            error_score=error_score,
        )
    # in a dict for multi-metric scoring, beside a called factory
    scoring = {"ndcg": ndcg_scorer(k=10), "recall": recall_scorer}
    with pytest.raises(TypeError, match=_uncalled("recall_scorer(k=100)")):
        cross_validate(
            EASE(), binary, cv=UserKFold(2), scoring=scoring, error_score=error_score
        )
    with pytest.raises(TypeError, match=_uncalled("ndcg_scorer(k=100)")):
        cross_val_score(EASE(), binary, cv=UserKFold(2), scoring=ndcg_scorer)


def test_uncalled_factory_called_directly_raises(binary):
    model = EASE(l2=10.0).fit(binary)
    with pytest.raises(TypeError, match=_uncalled("ndcg_scorer(k=100)")):
        ndcg_scorer(model, binary)
    with pytest.raises(TypeError, match=_uncalled("neg_rmse_scorer(rating_range")):
        neg_rmse_scorer(model, binary, binary)
    # the factories themselves still work, positionally too
    assert ndcg_scorer(10).k == 10 and recall_scorer(5).k == 5
    assert 0 <= ndcg_scorer(10)(model, binary) <= 1
