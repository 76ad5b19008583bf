"""One recommender contract, run on every estimator the package exports.

As the ``implicit`` library runs one contract test per backend, every property
here is parametrized over ``tests._instances.all_estimators()`` (the same tiny
instances ``test_common.py`` checks), and ``test_registry_covers_every_estimator``
fails when ``sklearn_recae.__all__`` exports an estimator the registry lacks:
a new model is under contract by construction. The properties:

- ``recommend(X, k)`` is the top ``k`` of ``predict(X)`` (seen items excluded
  or not), in any batching, best first;
- no method mutates the caller's matrix, whatever its form, and every form of
  the same matrix gives the same answers;
- another ``random_state`` gives another model and the same one the same model
  (estimators without a ``random_state`` are deterministic and must refit
  identically); fitting and scoring leave the global random state alone;
- scoring a batch of users equals scoring each user alone (or, for a model
  documented as transductive in users, refuses the subset clearly);
- pickle and ``clone`` round-trip;
- an oracle: on planted communities every ranking model ranks held-out
  in-community items above out-of-community ones, and every rating model beats
  the global mean.

Each estimator is fed the values its family means (see DESIGN.md, section 1):
ratings for rating models, distinct UNIX times for sequence models, interaction
counts otherwise.
"""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn import config_context
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import sklearn_recae
from sklearn_recae.base import RatingMixin, RecommenderMixin

from ._instances import all_estimators, is_transductive

pytestmark = pytest.mark.filterwarnings(
    # the tiny instances train for two epochs: early stopping never ends a fit
    "ignore::sklearn.exceptions.ConvergenceWarning"
)

N_USERS, N_ITEMS, K = 48, 16, 5
_UNIX_T0 = 1_600_000_000.0  # float32 spacing is 128 s here: one-second steps collapse


def _estimator_id(estimator, siblings):
    """Class name, plus the parameters that tell apart instances of one class."""
    name = type(estimator).__name__
    params = estimator.get_params(deep=False)
    differing = [
        key
        for key in sorted(params)
        if any(
            repr(s.get_params(deep=False)[key]) != repr(params[key]) for s in siblings
        )
    ]
    return "-".join([name, *(f"{key}={params[key]}" for key in differing)])


def _registry():
    estimators = all_estimators()
    by_class = {}
    for estimator in estimators:
        by_class.setdefault(type(estimator), []).append(estimator)
    return [(_estimator_id(e, by_class[type(e)]), e) for e in estimators]


REGISTRY = _registry()
IDS = [name for name, _ in REGISTRY]


def _kind(estimator):
    """Which values the estimator's rows hold: 'rating', 'sequence' or 'count'."""
    if isinstance(estimator, RatingMixin):
        return "rating"
    if getattr(estimator, "_holdout_strategy", None) == "temporal":
        return "sequence"  # values order each row's events
    return "count"


def _cases(marks=lambda estimator: []):
    """``pytest.param`` per registered estimator, with ``marks(estimator)``."""
    return [pytest.param(name, id=name, marks=marks(e)) for name, e in REGISTRY]


def _estimator(name):
    return clone(dict(REGISTRY)[name])


# ---------------------------------------------------------------------------
# planted data: two user groups, two item communities (items interleaved at
# random, so ranking by item index alone says nothing)


def _planted(kind, seed=0):
    """(X, user_group, item_group) with X of shape (N_USERS, N_ITEMS).

    Each user interacts with about 3/4 of its own community's items and, for
    rating data, rates a third of the other community's items too: own items
    4-5 stars, other items 1-2 (so user and item means say nothing and only
    the group x community structure predicts a rating).
    """
    rng = np.random.RandomState(seed)
    user_group = np.arange(N_USERS) % 2
    item_group = rng.permutation(np.arange(N_ITEMS) % 2)
    own = user_group[:, None] == item_group[None, :]
    mask = own & (rng.rand(N_USERS, N_ITEMS) < 0.75)
    for u in range(N_USERS):  # at least four own items per user
        items = np.flatnonzero(own[u])
        mask[u, rng.choice(items, 4, replace=False)] = True
    if kind == "rating":
        other = ~own & (rng.rand(N_USERS, N_ITEMS) < 0.35)
        for u in range(N_USERS):  # leave at least K items unrated
            rated = np.flatnonzero(mask[u] | other[u])
            if len(rated) > N_ITEMS - K:
                extra = np.flatnonzero(other[u])
                other[u, extra[: len(rated) - (N_ITEMS - K)]] = False
        values = np.where(own, 5.0, 1.0)
        dense = np.where(mask | other, values, 0).astype(np.float32)
    elif kind == "sequence":
        dense = np.zeros(mask.shape, dtype=np.float64)
        dense[mask] = _UNIX_T0 + rng.permutation(mask.sum())  # one second apart
    else:
        dense = np.where(mask, rng.randint(1, 3, mask.shape), 0).astype(np.float32)
    return sp.csr_matrix(dense), user_group, item_group


_DATA = {kind: _planted(kind)[0] for kind in ("rating", "sequence", "count")}


def _data(name):
    return _DATA[_kind(dict(REGISTRY)[name])].copy()


_FITTED = {}


def _fitted(name):
    """The registry instance fitted on its family's planted data (cached)."""
    if name not in _FITTED:
        _FITTED[name] = _estimator(name).fit(_data(name))
    return _FITTED[name]


# ---------------------------------------------------------------------------
# the registry


def test_registry_covers_every_estimator():
    """Every estimator in ``sklearn_recae.__all__`` is under contract, and the
    registry holds nothing else."""
    public = {
        obj
        for obj in (getattr(sklearn_recae, name) for name in sklearn_recae.__all__)
        if isinstance(obj, type) and issubclass(obj, BaseEstimator)
    }
    registered = {type(e) for e in all_estimators()}
    missing = sorted(c.__name__ for c in public - registered)
    assert not missing, f"add an instance of {missing} to tests/_instances.py"
    assert registered <= public
    assert all(issubclass(c, RecommenderMixin) for c in registered)
    assert len(set(IDS)) == len(IDS)


# ---------------------------------------------------------------------------
# recommend is the top k of predict


def _top_k_oracle(scores, k, exclude):
    """The k best scores of each row, seen items excluded where ``exclude``."""
    scores = scores.astype(np.float64)
    if exclude is not None:
        scores[exclude.toarray() != 0] = -np.inf
    return -np.sort(-scores, axis=1)[:, :k]


def _batches_of(n_rows):
    """A ``working_memory`` (MiB) small enough for batches of a few rows."""
    return n_rows * N_ITEMS * 64 / 2**20


@pytest.mark.parametrize("exclude_seen", [True, False], ids=["exclude", "include"])
@pytest.mark.parametrize("name", _cases())
def test_recommend_is_top_k_of_predict(name, exclude_seen):
    """In one batch (default ``working_memory``): compare the recommended items'
    predicted scores with the k best, so ties may pick either item."""
    _check_recommend(name, exclude_seen, working_memory=None)


@pytest.mark.parametrize("name", _cases())
def test_recommend_in_small_batches_is_top_k_of_predict(name):
    _check_recommend(name, True, working_memory=_batches_of(3))


def _check_recommend(name, exclude_seen, working_memory):
    model, X = _fitted(name), _data(name)
    scores = model.predict(X)
    if working_memory is None:
        items, top = model.recommend(
            X, K, exclude_seen=exclude_seen, return_scores=True
        )
    else:
        with config_context(working_memory=working_memory):
            items, top = model.recommend(
                X, K, exclude_seen=exclude_seen, return_scores=True
            )
    assert items.shape == top.shape == (N_USERS, K)
    assert ((items >= 0) & (items < N_ITEMS)).all()  # every row has K candidates
    assert all(len(set(row)) == K for row in items)
    if exclude_seen:
        assert (np.take_along_axis(X.toarray(), items, axis=1) == 0).all()
    at_items = np.take_along_axis(scores, items, axis=1)
    expected = _top_k_oracle(scores, K, X if exclude_seen else None)
    np.testing.assert_allclose(at_items, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(top, at_items, rtol=1e-5, atol=1e-6)
    assert (np.diff(top, axis=1) <= 0).all()  # best first


# ---------------------------------------------------------------------------
# the caller's input is never mutated; every form gives the same answers


def _non_canonical(X):
    """The same matrix as CSR with unsorted indices, a duplicate entry (a value
    split in two halves) and explicit zeros: what a validator must clean."""
    coo = X.tocoo()
    rows, cols, vals = coo.row, coo.col, coo.data.copy()
    half = vals[0] / 2
    vals[0] = half
    rows = np.concatenate([rows, [rows[0]], rows[:3]])
    cols = np.concatenate([cols, [cols[0]], (cols[:3] + 1) % X.shape[1]])
    vals = np.concatenate([vals, [half], np.zeros(3, dtype=vals.dtype)])
    # explicit zeros must not land on a stored entry: shift them off it
    dense = X.toarray()
    for i in range(len(rows) - 3, len(rows)):
        while dense[rows[i], cols[i]] != 0:
            cols[i] = (cols[i] + 1) % X.shape[1]
    order = np.lexsort((-cols, rows))  # rows in order, columns descending
    out = sp.csr_matrix(
        (
            vals[order],
            cols[order],
            np.searchsorted(rows[order], np.arange(X.shape[0] + 1)),
        ),
        shape=X.shape,
    )
    assert not out.has_sorted_indices and (out.data == 0).any()
    assert (out.toarray() == dense).all()
    return out


def _read_only(X):
    X = X.copy()
    for array in (X.data, X.indices, X.indptr):
        array.flags.writeable = False
    return X


FORMS = {
    "csr_matrix": lambda X: X,
    "csr_array": sp.csr_array,
    "coo": sp.coo_matrix,
    "dense": lambda X: X.toarray(),
    "int64": lambda X: X.astype(np.int64),
    "float64": lambda X: X.astype(np.float64),
    "non-canonical": _non_canonical,
    "read-only": _read_only,
}


def _arrays(X):
    if sp.issparse(X):
        names = [
            n for n in ("data", "indices", "indptr", "row", "col") if hasattr(X, n)
        ]
        return {n: getattr(X, n) for n in names}
    return {"dense": X}


def _snapshot(X):
    return {name: (a.copy(), a.dtype) for name, a in _arrays(X).items()}


def _assert_unchanged(X, snapshot, what):
    arrays = _arrays(X)
    assert arrays.keys() == snapshot.keys()
    for name, (before, dtype) in snapshot.items():
        assert arrays[name].dtype == dtype, f"{what} changed X.{name}'s dtype"
        np.testing.assert_array_equal(arrays[name], before, err_msg=f"{what}: X.{name}")


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", _cases())
def test_no_method_mutates_the_input_and_every_form_agrees(name, form):
    X_canonical = _data(name)
    X = FORMS[form](X_canonical)
    y = X_canonical[:, ::-1].tocsr()  # a held-out matrix of the same shape
    y.data = y.data[::-1].copy()  # any values: only its pattern and values matter
    snapshot, y_snapshot = _snapshot(X), _snapshot(y)
    model = _estimator(name).fit(X)
    _assert_unchanged(X, snapshot, "fit")
    reference = _fitted(name)
    expected = reference.predict(X_canonical)
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-6, atol=1e-7)
    _assert_unchanged(X, snapshot, "predict")
    if not is_transductive(model):  # predicts only the training users' rows
        np.testing.assert_allclose(reference.predict(X), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(
        model.recommend(X, K), reference.recommend(X_canonical, K)
    )
    _assert_unchanged(X, snapshot, "recommend")
    assert model.score(X) == pytest.approx(reference.score(X_canonical))
    _assert_unchanged(X, snapshot, "score(X)")
    model.score(X, y)
    _assert_unchanged(X, snapshot, "score(X, y)")
    _assert_unchanged(y, y_snapshot, "score(X, y)'s y")
    if hasattr(model, "transform"):
        np.testing.assert_allclose(
            model.transform(X), reference.transform(X_canonical), rtol=1e-6, atol=1e-7
        )
        _assert_unchanged(X, snapshot, "transform")


# ---------------------------------------------------------------------------
# seeds


@pytest.mark.parametrize("name", _cases())
def test_random_state_decides_the_model(name):
    """Same seed, same model; another seed, another model. An estimator without
    a ``random_state`` parameter has nothing random: it must refit identically."""
    X = _data(name)
    first = _fitted(name).predict(X)
    if "random_state" not in _estimator(name).get_params():
        np.testing.assert_array_equal(_estimator(name).fit(X).predict(X), first)
        return
    again = _estimator(name).set_params(random_state=0).fit(X).predict(X)
    np.testing.assert_array_equal(again, first)
    other = _estimator(name).set_params(random_state=1).fit(X).predict(X)
    assert not np.allclose(other, first, rtol=1e-4, atol=1e-5)


def _rng_states():
    # the legacy global state is what unseeded numpy code would draw from
    return torch.random.get_rng_state(), np.random.get_state()[1].copy()  # noqa: NPY002


def _assert_rng_untouched(before, what):
    torch_state, numpy_state = _rng_states()
    assert torch.equal(before[0], torch_state), f"{what} advanced torch's global RNG"
    np.testing.assert_array_equal(
        before[1], numpy_state, err_msg=f"{what} advanced numpy's global RNG"
    )


@pytest.mark.parametrize("name", _cases())
def test_fit_leaves_the_global_random_state_alone(name):
    before = _rng_states()
    _estimator(name).fit(_data(name))
    _assert_rng_untouched(before, "fit")


@pytest.mark.parametrize("name", _cases())
def test_scoring_leaves_the_global_random_state_alone(name):
    model, X = _fitted(name), _data(name)
    methods = ["predict", "recommend", "score"]
    methods += ["transform"] if hasattr(model, "transform") else []
    for method in methods:
        before = _rng_states()
        getattr(model, method)(X)
        _assert_rng_untouched(before, method)


# ---------------------------------------------------------------------------
# a batch of users scores as its users alone


@pytest.mark.parametrize("name", _cases())
def test_a_batch_scores_as_its_rows_alone(name):
    model, X = _fitted(name), _data(name)
    if is_transductive(model):
        # documented: only the training users' rows, in order, can be scored
        with pytest.raises(
            ValueError, match=rf"transductive in users: predict needs the {N_USERS} "
        ):
            model.predict(X[:1])
        return
    methods = ["predict"] + (["transform"] if hasattr(model, "transform") else [])
    order = np.random.RandomState(0).permutation(N_USERS)[: N_USERS // 2]
    for method in methods:
        score = getattr(model, method)
        whole = score(X)
        alone = np.vstack([score(X[u : u + 1]) for u in range(N_USERS)])
        np.testing.assert_allclose(alone, whole, rtol=1e-5, atol=1e-6, err_msg=method)
        np.testing.assert_allclose(
            score(X[order]), whole[order], rtol=1e-5, atol=1e-6, err_msg=method
        )


# ---------------------------------------------------------------------------
# persistence


@pytest.mark.parametrize("name", _cases())
def test_pickle_and_clone_round_trip(name):
    model, X = _fitted(name), _data(name)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    np.testing.assert_array_equal(restored.recommend(X, K), model.recommend(X, K))
    cloned = clone(model)
    assert repr(cloned.get_params()) == repr(model.get_params())
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        check_is_fitted(cloned)


# ---------------------------------------------------------------------------
# oracle: planted communities

_ORACLE_TRAINING = dict(
    max_epochs=60, lr=0.01, lr_decay_every=None, optimizer="adam", early_stopping=False
)


def _oracle_estimator(name):
    """The registry instance, trained long enough to learn two communities."""
    estimator = _estimator(name)
    params = estimator.get_params()
    return estimator.set_params(
        **{k: v for k, v in _ORACLE_TRAINING.items() if k in params}
    )


def _split(X, rng, n_heldout):
    """Per row, ``n_heldout`` random entries held out (fold-out), rest fold-in."""
    fold_in, fold_out = X.tolil(copy=True), sp.lil_matrix(X.shape, dtype=X.dtype)
    for u in range(X.shape[0]):
        items = X[u].indices
        for j in rng.choice(items, n_heldout(len(items)), replace=False):
            fold_out[u, j], fold_in[u, j] = X[u, j], 0
    return fold_in.tocsr(), fold_out.tocsr()


def _pairwise_auc(scores, positives, negatives):
    """Mean over rows of P(score of a positive > score of a negative), ties 1/2."""
    aucs = []
    for s, pos, neg in zip(scores, positives, negatives, strict=True):
        diff = s[pos][:, None] - s[neg][None, :]
        aucs.append(np.mean((diff > 0) + 0.5 * (diff == 0)))
    return float(np.mean(aucs))


@pytest.mark.parametrize("name", _cases())
def test_planted_communities_are_learned(name):
    """Weak generalization (every user trains on its fold-in): a ranking model
    must rank each user's held-out own-community items above the other
    community's items (random: AUC 0.5); a rating model must predict held-out
    ratings better than the training ratings' global mean."""
    kind = _kind(dict(REGISTRY)[name])
    X, user_group, item_group = _planted(kind, seed=1)
    rng = np.random.RandomState(1)
    if kind == "rating":
        fold_in, fold_out = _split(X, rng, lambda n: max(1, n // 4))
        predicted = _oracle_estimator(name).fit(fold_in).predict(fold_in)
        rows, cols = fold_out.nonzero()
        truth = np.asarray(fold_out[rows, cols]).ravel()
        rmse = np.sqrt(np.mean((predicted[rows, cols] - truth) ** 2))
        baseline = np.sqrt(np.mean((fold_in.data.mean() - truth) ** 2))
        assert rmse < 0.7 * baseline, (rmse, baseline)
        return
    fold_in, fold_out = _split(X, rng, lambda n: 2)
    scores = _oracle_estimator(name).fit(fold_in).predict(fold_in)
    other = user_group[:, None] != item_group[None, :]
    positives = [fold_out[u].indices for u in range(N_USERS)]
    negatives = [np.flatnonzero(other[u]) for u in range(N_USERS)]
    auc = _pairwise_auc(scores, positives, negatives)
    assert auc > 0.9, auc
