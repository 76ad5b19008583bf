"""Training length, caller-supplied validation and scale-free rating models."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_recae import CDAE, AutoRec, DeepRec, MultDAE, MultVAE
from sklearn_recae.model_selection import holdout_split

TINY = dict(batch_size=50, random_state=0)
RANKERS = {
    "multvae": lambda **kw: MultVAE(hidden_dims=(8,), latent_dim=4, **{**TINY, **kw}),
    "multdae": lambda **kw: MultDAE(latent_dim=4, **{**TINY, **kw}),
    "cdae": lambda **kw: CDAE(latent_dim=4, fold_in_steps=2, **{**TINY, **kw}),
}
RATERS = {
    "i-autorec": lambda **kw: AutoRec("item", latent_dim=8, **{**TINY, **kw}),
    "u-autorec": lambda **kw: AutoRec("user", latent_dim=8, **{**TINY, **kw}),
    "deeprec": lambda **kw: DeepRec(hidden_dims=(8,), latent_dim=4, **{**TINY, **kw}),
}


@pytest.fixture(scope="module")
def validation(binary):
    fold_in, fold_out = holdout_split(binary[250:], random_state=0)
    return binary[:250], fold_in, fold_out


@pytest.mark.parametrize("name", RANKERS)
def test_caller_validation_users_are_scored_and_not_trained(validation, name):
    from sklearn_recae.metrics import ndcg_at_k

    train, fold_in, fold_out = validation
    model = RANKERS[name](max_epochs=3).fit(train, X_val=fold_in, y_val=fold_out)
    # the recorded validation NDCG is that of the caller's users
    scores = model.predict(fold_in)
    expected = ndcg_at_k(fold_out, scores, k=100, exclude=fold_in)
    best = np.max(model.history_[:, "valid_ndcg"])
    assert best == pytest.approx(expected, rel=1e-4)
    if name == "cdae":  # one vector per training user: none carved out
        assert model.user_vectors_.shape[0] == train.shape[0]


def test_caller_validation_needs_both_parts_and_early_stopping(validation):
    train, fold_in, fold_out = validation
    with pytest.raises(
        ValueError, match=r"Pass both X_val \(the validation users' fold-in\) and y_val"
    ):
        RANKERS["multdae"](max_epochs=1).fit(train, X_val=fold_in)
    with pytest.raises(
        ValueError,
        match="X_val and y_val are used for early stopping only, but "
        "early_stopping=False",
    ):
        RANKERS["multdae"](max_epochs=1, early_stopping=False).fit(
            train, X_val=fold_in, y_val=fold_out
        )
    with pytest.raises(ValueError, match="X_val and y_val must have the same shape"):
        RANKERS["multdae"](max_epochs=1).fit(train, X_val=fold_in, y_val=fold_out[:5])
    with pytest.raises(
        ValueError, match="X has 10 features, but MultDAE is expecting 60 features"
    ):
        RANKERS["multdae"](max_epochs=1).fit(
            train, X_val=fold_in[:, :10], y_val=fold_out[:, :10]
        )


def test_item_autorec_validation_must_be_the_training_users(ratings):
    fold_in, fold_out = holdout_split(ratings, 0.1, random_state=0)
    RATERS["i-autorec"](max_epochs=1).fit(fold_in, X_val=fold_in, y_val=fold_out)
    with pytest.raises(
        ValueError,
        match="is transductive in users: fit's X_val needs the 300 training users",
    ):
        RATERS["i-autorec"](max_epochs=1).fit(
            fold_in, X_val=fold_in[:10], y_val=fold_out[:10]
        )


def test_auto_training_length_counts_updates(binary):
    small = RANKERS["multdae"]().fit(
        binary[:40], X_val=binary[40:60], y_val=binary[60:80]
    )
    # 40 users in one batch: 4000 planned updates need 4000 epochs
    assert small.n_batches_ == 1 and small.max_epochs_ == 4000
    assert small.n_iter_no_change_ == 300
    model = RANKERS["multdae"](batch_size=10, max_epochs=7, n_iter_no_change=3)
    model._plan_training(n_rows=250)
    assert (model.n_batches_, model.max_epochs_, model.n_iter_no_change_) == (25, 7, 3)
    model = RANKERS["multdae"](batch_size=10)
    model._plan_training(n_rows=250)
    assert (model.max_epochs_, model.n_iter_no_change_) == (200, 20)


def test_cdae_auto_plan_counts_10000_updates():
    # sampled negatives train more slowly: 10,000 planned updates, not 4,000
    model = RANKERS["cdae"](batch_size=10)
    model._plan_training(n_rows=250)
    assert (model.n_batches_, model.max_epochs_) == (25, 400)
    model._plan_training(n_rows=100_000)
    assert model.max_epochs_ == 200


@pytest.mark.parametrize(
    "n_rows, every", [(6040, 6), (3706, 9), (610, 10), (64, 10), (100_000, 1)]
)
def test_auto_lr_decay_every_500_updates_or_10_epochs(n_rows, every):
    # batch 64: ML-1M's users decay every 6 epochs, its items every 9; a few
    # hundred rows would wait 50 epochs for 500 updates and decay at 10
    model = RATERS["u-autorec"](batch_size=64)
    model._plan_training(n_rows=n_rows)
    assert model.lr_decay_every_ == every
    fixed = RATERS["u-autorec"](batch_size=64, lr_decay_every=30)
    fixed._plan_training(n_rows=n_rows)
    assert fixed.lr_decay_every_ == 30


def test_hitting_the_epoch_cap_warns_with_the_numbers(validation):
    train, fold_in, fold_out = validation
    with pytest.warns(ConvergenceWarning, match=r"max_epochs=2 \(10 updates\)"):
        RANKERS["multdae"](max_epochs=2).fit(train, X_val=fold_in, y_val=fold_out)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        RANKERS["multdae"](max_epochs=2, early_stopping=False).fit(train)
        # patience runs out before the cap: no warning
        model = RANKERS["multdae"](max_epochs=60, n_iter_no_change=2, lr=0.05)
        model.fit(train, X_val=fold_in, y_val=fold_out)
        assert model.n_iter_ < 60


def test_auto_anneal_reaches_the_cap_at_a_share_of_the_plan(validation):
    from sklearn_recae._multvae import _ANNEAL_SHARE

    train, fold_in, fold_out = validation
    model = RANKERS["multvae"](max_epochs=20, anneal_cap=0.4, n_iter_no_change=50)
    model.fit(train, X_val=fold_in, y_val=fold_out)
    planned = 20 * 5
    assert model.total_anneal_steps_ == round(_ANNEAL_SHARE * planned / 0.4)
    beta = np.asarray(model.history_[:, "beta"])
    updates = 5 * np.arange(1, 21)
    np.testing.assert_allclose(
        beta, np.minimum(0.4, updates / model.total_anneal_steps_)
    )
    assert beta[-1] == 0.4
    paper = RANKERS["multvae"](max_epochs=2, total_anneal_steps=200000).fit(train)
    assert paper.total_anneal_steps_ == 200000


@pytest.mark.parametrize("name", RATERS)
def test_rating_models_are_scale_free(ratings, name):
    """Ratings x 20 (0-100 points) give the same model, predictions x 20."""
    model = RATERS[name](max_epochs=3).fit(ratings)
    scaled = ratings * 20.0
    model_scaled = RATERS[name](max_epochs=3).fit(scaled)
    np.testing.assert_allclose(
        model_scaled.predict(scaled), 20 * model.predict(ratings), rtol=2e-4
    )


@pytest.mark.parametrize("name", RATERS)
def test_default_rating_models_train_on_any_scale(ratings, name):
    for values in (ratings * 20.0, ratings - ratings.sign() * 3.5):  # 0-100, centred
        model = RATERS[name](max_epochs=20).fit(values)
        assert np.isfinite(model.history_[:, "valid_loss"]).all()
        assert np.isfinite(model.predict(values)).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_passes_caller_validation_to_every_fit(validation):
    from sklearn.model_selection import GridSearchCV

    from sklearn_recae.model_selection import UserKFold

    train, fold_in, fold_out = validation
    search = GridSearchCV(
        RANKERS["multdae"](max_epochs=2), {"latent_dim": [2, 4]}, cv=UserKFold(2)
    )
    search.fit(train, X_val=fold_in, y_val=fold_out)
    history = search.best_estimator_.history_
    scores = search.best_estimator_.predict(fold_in)
    from sklearn_recae.metrics import ndcg_at_k

    expected = ndcg_at_k(fold_out, scores, k=100, exclude=fold_in)
    assert np.max(history[:, "valid_ndcg"]) == pytest.approx(expected, rel=1e-4)
