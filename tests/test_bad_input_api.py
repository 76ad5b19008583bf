"""Bad input at every public function and class that is not an estimator:
metrics, scorers, splitters, data loaders and converters, protocols. Each case
must raise a specific exception whose message names the problem (table-driven;
the estimators' table is in test_bad_input.py)."""

import io
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_recae import EASE
from sklearn_recae._protocols import make_split
from sklearn_recae.datasets import (
    DatasetNotFoundError,
    fetch_movielens,
    interactions_from_arrays,
    interactions_from_frame,
    make_interactions,
)
from sklearn_recae.metrics import (
    RecommenderScorer,
    masked_rmse,
    ndcg_at_k,
    ndcg_scorer,
    neg_rmse_scorer,
    precision_at_k,
    recall_at_k,
    recall_n_at_k,
)
from sklearn_recae.model_selection import (
    UserKFold,
    UserShuffleSplit,
    WeakGeneralizationSplit,
    holdout_split,
)

X = make_interactions(n_users=30, n_items=10, density=0.4, random_state=0)
SCORES = np.random.RandomState(0).rand(30, 10)
_REVERSED_RANGE = r"rating_range must be \(low, high\) with low < high, got \(5, 1\)"
_HOLDOUT_TEST_SIZE = (
    r"The 'test_size' parameter of holdout_split must be a float in the range "
    r"\(0\.0, 1\.0\)"
)


def _with_nan(a):
    a = a.copy()
    a[0, 0] = np.nan
    return a


def _ranking_cases(metric):
    return {
        "shape mismatch": (
            lambda: metric(X, SCORES[:, :9]),
            ValueError,
            r"y_score must be a dense array with the shape of y_true \(30, 10\), "
            r"got shape \(30, 9\)",
        ),
        "NaN scores": (
            lambda: metric(X, _with_nan(SCORES)),
            ValueError,
            "scores hold NaN; a model produced undefined scores",
        ),
        "k = 0": (
            lambda: metric(X, SCORES, k=0),
            ValueError,
            "k must be a positive integer, got 0",
        ),
        "k not an integer": (
            lambda: metric(X, SCORES, k=2.5),
            ValueError,
            r"k must be a positive integer, got 2\.5",
        ),
        "one-dimensional y_true": (
            lambda: metric(np.ones(10), SCORES),
            ValueError,
            "Expected 2D array, got 1D array instead",
        ),
        "NaN in y_true": (
            lambda: metric(_with_nan(X.toarray()), SCORES),
            ValueError,
            "Input y_true contains NaN",
        ),
        "strings": (
            lambda: metric(np.array([["a", "b"]]), np.ones((1, 2))),
            TypeError,
            "y_true must hold real numbers, got dtype <U1",
        ),
        "exclude of another shape": (
            lambda: metric(X, SCORES, exclude=X[:, :9]),
            ValueError,
            r"exclude must have the shape of y_true \(30, 10\) \(the fold-in of the "
            r"same users and items\), got shape \(30, 9\)",
        ),
    }


def _make_zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def _loader_cases():
    good_csv = "user_id,item_id,rating,timestamp\n1,1,5,100\n2,1,3,200\n"
    return {
        "unknown release, no download": (
            lambda tmp: fetch_movielens("7k", data_home=tmp, download_if_missing=False),
            FileNotFoundError,
            "name='7k' is neither a MovieLens release",
        ),
        "absent archive, download_if_missing=False": (
            lambda tmp: fetch_movielens(
                "100k", data_home=tmp, download_if_missing=False
            ),
            DatasetNotFoundError,
            "The MovieLens 100K archive 'ml-100k.zip' is not in .* and "
            "download_if_missing=False was passed",
        ),
        "missing path": (
            lambda tmp: fetch_movielens(str(tmp / "nope.csv")),
            FileNotFoundError,
            r"nope\.csv' is neither a MovieLens release",
        ),
        "truncated zip": (
            lambda tmp: fetch_movielens(
                str(
                    _write(
                        tmp,
                        "ml-100k.zip",
                        _make_zip({"ml-100k/u.data": "1\t2\t3\t4\n"})[:30],
                    )
                )
            ),
            ValueError,
            r"Could not read MovieLens ratings from .*ml-100k\.zip: File is not a zip",
        ),
        "zip without ratings": (
            lambda tmp: fetch_movielens(
                str(_write(tmp, "ml-100k.zip", _make_zip({"ml-100k/README": "hi"})))
            ),
            ValueError,
            r"ml-100k\.zip is a zip archive without a MovieLens ratings file",
        ),
        "CSV with another header": (
            lambda tmp: fetch_movielens(str(_write(tmp, "r.csv", "a,b,c\n1,2,3\n"))),
            ValueError,
            r"r\.csv has the columns \['a', 'b', 'c'\]; expected the header "
            "user_id,item_id,rating,timestamp",
        ),
        "CSV with text ratings": (
            lambda tmp: fetch_movielens(
                str(_write(tmp, "r.csv", good_csv.replace("5,100", "five,100")))
            ),
            ValueError,
            r"r\.csv: could not convert string to float: 'five'",
        ),
        "truncated gzip": (
            lambda tmp: fetch_movielens(
                str(_write(tmp, "r.csv.gz", b"\x1f\x8b\x08\x00abc"))
            ),
            ValueError,
            r"r\.csv\.gz: Compressed file ended before the end-of-stream marker",
        ),
    }


def _converter_cases():
    pd = pytest.importorskip("pandas")
    return {
        "arrays of different lengths": (
            lambda: interactions_from_arrays([0, 1], [0]),
            ValueError,
            "users and items must have the same length, got 2 users and 1 items",
        ),
        "NaN values": (
            lambda: interactions_from_arrays([0, 1], [0, 1], [1.0, np.nan]),
            ValueError,
            r"values holds 1 missing \(NaN\) value",
        ),
        "two-dimensional ids": (
            lambda: interactions_from_arrays([[0, 1]], [[0, 1]]),
            ValueError,
            r"users must be one-dimensional, got an array of shape \(1, 2\)",
        ),
        "missing column": (
            lambda: interactions_from_frame(pd.DataFrame({"u": [0]}), user_col="user"),
            ValueError,
            r"user_col='user' is not a column of frame; its columns are \['u'\]",
        ),
        "not a data frame": (
            lambda: interactions_from_frame([[0, 1]]),
            TypeError,
            "frame must be a data frame with named columns",
        ),
    }


CASES = {
    **{
        f"{m.__name__}": _ranking_cases(m)
        for m in (ndcg_at_k, recall_at_k, recall_n_at_k, precision_at_k)
    },
    "masked_rmse": {
        "shape mismatch": (
            lambda: masked_rmse(X, SCORES[:, :9]),
            ValueError,
            r"y_pred must have the shape of y_true \(30, 10\), got \(30, 9\)",
        ),
        "NaN predictions": (
            lambda: masked_rmse(X, _with_nan(SCORES)),
            ValueError,
            "y_pred holds NaN at observed entries",
        ),
        "reversed rating_range": (
            lambda: masked_rmse(X, SCORES, rating_range=(5, 1)),
            ValueError,
            _REVERSED_RANGE,
        ),
        "no ratings": (
            lambda: masked_rmse(sp.csr_matrix((30, 10)), SCORES),
            ValueError,
            "y_true holds no observed rating, so no error can be measured",
        ),
    },
    "RecommenderScorer": {
        "unknown metric": (
            lambda: RecommenderScorer("auc"),
            ValueError,
            "Unknown metric 'auc'; choose one of",
        ),
        "unknown strategy": (
            lambda: ndcg_scorer(strategy="future"),
            ValueError,
            "Unknown holdout strategy 'future'; choose one of",
        ),
        "k = 0": (
            lambda: ndcg_scorer(k=0),
            ValueError,
            "k must be a positive integer, got 0",
        ),
        "test_size above 1": (
            lambda: ndcg_scorer(test_size=1.5),
            ValueError,
            r"test_size must be a fraction in \(0, 1\) of each row to hold out, "
            r"got 1\.5",
        ),
        "reversed rating_range": (
            lambda: neg_rmse_scorer(rating_range=(5, 1)),
            ValueError,
            _REVERSED_RANGE,
        ),
        "held-out of another shape": (
            lambda: ndcg_scorer(k=5)(EASE(l2=1.0).fit(X), X, X[:, :9]),
            ValueError,
            r"y has shape \(30, 9\) but X has shape \(30, 10\)",
        ),
        "held-out of other users": (
            lambda: ndcg_scorer(k=5)(EASE(l2=1.0).fit(X), X, X[:20]),
            ValueError,
            r"y has shape \(20, 10\) but X has shape \(30, 10\)",
        ),
    },
    "holdout_split": {
        "unknown strategy": (
            lambda: holdout_split(X, strategy="future"),
            ValueError,
            "The 'strategy' parameter of holdout_split must be a str among .* "
            "Got 'future' instead",
        ),
        "test_size 0": (
            lambda: holdout_split(X, 0.0),
            ValueError,
            _HOLDOUT_TEST_SIZE + r"\. Got 0\.0 instead",
        ),
        "test_size above 1": (
            lambda: holdout_split(X, 1.5),
            ValueError,
            _HOLDOUT_TEST_SIZE + r"\. Got 1\.5 instead",
        ),
        "unknown rounding": (
            lambda: holdout_split(X, rounding="round"),
            ValueError,
            "The 'rounding' parameter of holdout_split must be a str among .* "
            "Got 'round' instead",
        ),
        "NaN": (
            lambda: holdout_split(_with_nan(X.toarray())),
            ValueError,
            "Input X contains NaN",
        ),
        "one-dimensional": (
            lambda: holdout_split(np.ones(5)),
            ValueError,
            "Expected 2D array, got 1D array instead",
        ),
    },
    "UserKFold": {
        "n_splits 1": (
            lambda: UserKFold(1),
            ValueError,
            "k-fold cross-validation requires at least one train/test split by "
            "setting n_splits=2 or more, got n_splits=1",
        ),
        "more folds than users": (
            lambda: list(UserKFold(5).split(X[:3])),
            ValueError,
            "Cannot have number of splits n_splits=5 greater than the number of "
            "samples: n_samples=3",
        ),
        "min_interactions negative": (
            lambda: list(UserKFold(2, min_interactions=-1).split(X)),
            ValueError,
            "min_interactions must be a non-negative integer, got -1",
        ),
    },
    "UserShuffleSplit": {
        "test_size above 1": (
            lambda: list(UserShuffleSplit(test_size=1.5).split(X)),
            ValueError,
            "test_size=1.5 should be either positive and smaller than the number "
            "of samples 30",
        ),
        "no user eligible": (
            lambda: list(UserShuffleSplit(min_interactions=100).split(X)),
            ValueError,
            "Only 0 of 30 users have at least min_interactions=100 interactions",
        ),
    },
    "WeakGeneralizationSplit": {
        "no held-out y": (
            lambda: list(WeakGeneralizationSplit().split(X)),
            ValueError,
            "WeakGeneralizationSplit scores on the held-out interactions y of the "
            "same users; without y",
        ),
        "y of another shape": (
            lambda: list(WeakGeneralizationSplit().split(X, X[:, :9])),
            ValueError,
            r"y \(held-out\) must have the shape of X \(fold-in\) \(30, 10\), "
            r"got \(30, 9\)",
        ),
    },
    "make_split (protocols)": {
        "unknown protocol": (
            lambda: make_split("Z9", X),
            ValueError,
            "Unknown protocol 'Z9'; choose one of",
        ),
        "Q1 without timestamps": (
            lambda: make_split("Q1", X),
            ValueError,
            "Q1 needs timestamps; this data has none",
        ),
    },
}

FLAT = [(entry, case) for entry, cases in CASES.items() for case in cases]


@pytest.mark.parametrize(("entry", "case"), FLAT, ids=[f"{e}: {c}" for e, c in FLAT])
def test_bad_input_is_refused_clearly(entry, case):
    call, error, message = CASES[entry][case]
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("case", list(_loader_cases()))
def test_fetch_movielens_refuses_bad_files(tmp_path, case):
    pytest.importorskip("pandas")
    call, error, message = _loader_cases()[case]
    with pytest.raises(error, match=message):
        call(tmp_path)


@pytest.mark.parametrize(
    "case",
    [
        "arrays of different lengths",
        "NaN values",
        "two-dimensional ids",
        "missing column",
        "not a data frame",
    ],
)
def test_converters_refuse_bad_input(case):
    call, error, message = _converter_cases()[case]
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "metric", [ndcg_at_k, recall_at_k, recall_n_at_k, precision_at_k, ndcg_scorer]
)
def test_k_beyond_the_items_is_the_whole_catalogue(metric):
    """Metrics and scorers cap the list at the catalogue (a well-defined answer:
    a list cannot be longer than the items); only ``recommend`` refuses it,
    since it must return ``k`` items per row."""
    if metric is ndcg_scorer:
        model = EASE(l2=1.0).fit(X)
        assert metric(k=11)(model, X) == metric(k=10)(model, X)
    elif metric is precision_at_k:  # hits / k by definition
        assert metric(X, SCORES, k=11) == pytest.approx(
            metric(X, SCORES, k=10) * 10 / 11
        )
    else:
        assert metric(X, SCORES, k=11) == metric(X, SCORES, k=10)
