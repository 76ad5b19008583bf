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
    precision_at_k,
    recall_at_k,
    recall_n_at_k,
    rmse_scorer,
)
from sklearn_recae.model_selection import (
    UserKFold,
    UserShuffleSplit,
    WeakGeneralizationSplit,
    holdout_split,
)

X = make_interactions(n_users=30, n_items=10, density=0.4, random_state=0)
SCORES = np.random.RandomState(0).rand(30, 10)


def _with_nan(a):
    a = a.copy()
    a[0, 0] = np.nan
    return a


def _ranking_cases(metric):
    return {
        "shape mismatch": (lambda: metric(X, SCORES[:, :9]), ValueError, "shape"),
        "NaN scores": (lambda: metric(X, _with_nan(SCORES)), ValueError, "NaN"),
        "k = 0": (lambda: metric(X, SCORES, k=0), ValueError, "k"),
        "k not an integer": (
            lambda: metric(X, SCORES, k=2.5),
            (TypeError, ValueError),
            "k",
        ),
        "one-dimensional y_true": (
            lambda: metric(np.ones(10), SCORES),
            ValueError,
            "2D",
        ),
        "NaN in y_true": (
            lambda: metric(_with_nan(X.toarray()), SCORES),
            ValueError,
            "NaN",
        ),
        "strings": (
            lambda: metric(np.array([["a", "b"]]), np.ones((1, 2))),
            (TypeError, ValueError),
            "numbers|numeric|string",
        ),
        "exclude of another shape": (
            lambda: metric(X, SCORES, exclude=X[:, :9]),
            ValueError,
            "shape",
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
            "7k",
        ),
        "absent archive, download_if_missing=False": (
            lambda tmp: fetch_movielens(
                "100k", data_home=tmp, download_if_missing=False
            ),
            DatasetNotFoundError,
            "ml-100k",
        ),
        "missing path": (
            lambda tmp: fetch_movielens(str(tmp / "nope.csv")),
            (DatasetNotFoundError, FileNotFoundError),
            "nope.csv",
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
            "zip|archive|corrupt",
        ),
        "zip without ratings": (
            lambda tmp: fetch_movielens(
                str(_write(tmp, "ml-100k.zip", _make_zip({"ml-100k/README": "hi"})))
            ),
            ValueError,
            "u.data|ratings",
        ),
        "CSV with another header": (
            lambda tmp: fetch_movielens(str(_write(tmp, "r.csv", "a,b,c\n1,2,3\n"))),
            ValueError,
            "user_id|header|column",
        ),
        "CSV with text ratings": (
            lambda tmp: fetch_movielens(
                str(_write(tmp, "r.csv", good_csv.replace("5,100", "five,100")))
            ),
            ValueError,
            "rating|numeric|number",
        ),
        "truncated gzip": (
            lambda tmp: fetch_movielens(
                str(_write(tmp, "r.csv.gz", b"\x1f\x8b\x08\x00abc"))
            ),
            (ValueError, OSError, EOFError),
            "gzip|compressed|truncated|r.csv.gz|Compressed",
        ),
    }


def _converter_cases():
    pd = pytest.importorskip("pandas")
    return {
        "arrays of different lengths": (
            lambda: interactions_from_arrays([0, 1], [0]),
            ValueError,
            "length",
        ),
        "NaN values": (
            lambda: interactions_from_arrays([0, 1], [0, 1], [1.0, np.nan]),
            ValueError,
            "NaN",
        ),
        "two-dimensional ids": (
            lambda: interactions_from_arrays([[0, 1]], [[0, 1]]),
            ValueError,
            "1-D|1D|one-dimensional",
        ),
        "missing column": (
            lambda: interactions_from_frame(pd.DataFrame({"u": [0]}), user_col="user"),
            (KeyError, ValueError),
            "user",
        ),
        "not a data frame": (
            lambda: interactions_from_frame([[0, 1]]),
            TypeError,
            "DataFrame|frame",
        ),
    }


CASES = {
    **{
        f"{m.__name__}": _ranking_cases(m)
        for m in (ndcg_at_k, recall_at_k, recall_n_at_k, precision_at_k)
    },
    "masked_rmse": {
        "shape mismatch": (lambda: masked_rmse(X, SCORES[:, :9]), ValueError, "shape"),
        "NaN predictions": (
            lambda: masked_rmse(X, _with_nan(SCORES)),
            ValueError,
            "NaN",
        ),
        "reversed rating_range": (
            lambda: masked_rmse(X, SCORES, rating_range=(5, 1)),
            ValueError,
            "rating_range",
        ),
        "no ratings": (
            lambda: masked_rmse(sp.csr_matrix((30, 10)), SCORES),
            ValueError,
            "no|empty",
        ),
    },
    "RecommenderScorer": {
        "unknown metric": (lambda: RecommenderScorer("auc"), ValueError, "auc"),
        "unknown strategy": (
            lambda: ndcg_scorer(strategy="future"),
            ValueError,
            "future",
        ),
        "k = 0": (lambda: ndcg_scorer(k=0), ValueError, "k"),
        "test_size above 1": (
            lambda: ndcg_scorer(test_size=1.5),
            ValueError,
            "test_size",
        ),
        "reversed rating_range": (
            lambda: rmse_scorer(rating_range=(5, 1)),
            ValueError,
            "rating_range",
        ),
        "held-out of another shape": (
            lambda: ndcg_scorer(k=5)(EASE(l2=1.0).fit(X), X, X[:, :9]),
            ValueError,
            "shape",
        ),
        "held-out of other users": (
            lambda: ndcg_scorer(k=5)(EASE(l2=1.0).fit(X), X, X[:20]),
            ValueError,
            "shape|rows|users",
        ),
    },
    "holdout_split": {
        "unknown strategy": (
            lambda: holdout_split(X, strategy="future"),
            ValueError,
            "future",
        ),
        "test_size 0": (lambda: holdout_split(X, 0.0), ValueError, "test_size"),
        "test_size above 1": (lambda: holdout_split(X, 1.5), ValueError, "test_size"),
        "unknown rounding": (
            lambda: holdout_split(X, rounding="round"),
            ValueError,
            "round",
        ),
        "NaN": (lambda: holdout_split(_with_nan(X.toarray())), ValueError, "NaN"),
        "one-dimensional": (lambda: holdout_split(np.ones(5)), ValueError, "2D"),
    },
    "UserKFold": {
        "n_splits 1": (lambda: UserKFold(1), ValueError, "n_splits"),
        "more folds than users": (
            lambda: list(UserKFold(5).split(X[:3])),
            ValueError,
            "n_splits|samples|users",
        ),
        "min_interactions negative": (
            lambda: list(UserKFold(2, min_interactions=-1).split(X)),
            ValueError,
            "min_interactions",
        ),
    },
    "UserShuffleSplit": {
        "test_size above 1": (
            lambda: list(UserShuffleSplit(test_size=1.5).split(X)),
            ValueError,
            "test_size",
        ),
        "no user eligible": (
            lambda: list(UserShuffleSplit(min_interactions=100).split(X)),
            ValueError,
            "min_interactions|eligible|interactions",
        ),
    },
    "WeakGeneralizationSplit": {
        "no held-out y": (
            lambda: list(WeakGeneralizationSplit().split(X)),
            ValueError,
            "y|held-out",
        ),
        "y of another shape": (
            lambda: list(WeakGeneralizationSplit().split(X, X[:, :9])),
            ValueError,
            "shape",
        ),
    },
    "make_split (protocols)": {
        "unknown protocol": (lambda: make_split("Z9", X), ValueError, "Z9"),
        "Q1 without timestamps": (
            lambda: make_split("Q1", X),
            ValueError,
            "timestamps",
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
