import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_recae.model_selection import (
    UserKFold,
    UserShuffleSplit,
    WeakGeneralizationSplit,
)


def test_user_kfold_partitions_users(ratings):
    tests = [test for _, test in UserKFold(n_splits=3).split(ratings)]
    assert sorted(np.concatenate(tests).tolist()) == list(range(ratings.shape[0]))
    for train, test in UserKFold(n_splits=3).split(ratings):
        assert np.intersect1d(train, test).size == 0


@pytest.mark.parametrize("cv_cls", [UserKFold, UserShuffleSplit])
def test_users_below_min_interactions_always_train(cv_cls):
    counts = np.array([1, 5, 5, 5, 5, 5, 5, 5, 5, 2])
    X = sp.csr_matrix(np.arange(10)[None, :] < counts[:, None], dtype=float)
    cv = cv_cls(n_splits=2, min_interactions=3)
    for train, test in cv.split(X):
        assert {0, 9} <= set(train.tolist())
        assert not {0, 9} & set(test.tolist())


def test_min_interactions_validation():
    with pytest.raises(
        ValueError, match="min_interactions must be a non-negative integer, got -1"
    ):
        UserKFold(min_interactions=-1)
    with pytest.raises(ValueError, match="Only 1 of 2 users"):
        list(
            UserKFold(n_splits=2, min_interactions=2).split(np.array([[1, 1], [1, 0]]))
        )


def test_weak_generalization_split_uses_all_rows():
    X = np.ones((4, 2))
    ((train, test),) = list(WeakGeneralizationSplit().split(X, X))
    assert train.tolist() == test.tolist() == [0, 1, 2, 3]
    assert WeakGeneralizationSplit().get_n_splits() == 1
