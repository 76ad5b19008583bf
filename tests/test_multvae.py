"""Mult-VAE and Mult-DAE: annealing, early stopping on validation NDCG, contract."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sklearn_recae import MultDAE, MultVAE
from sklearn_recae.metrics import ndcg_scorer
from sklearn_recae.model_selection import UserKFold

FAST = dict(latent_dim=8, max_epochs=4, batch_size=64, random_state=0)
MODELS = {
    "multvae": lambda **kw: MultVAE(hidden_dims=(32,), **{**FAST, **kw}),
    "multdae": lambda **kw: MultDAE(**{**FAST, **kw}),
}


@pytest.fixture(scope="module")
def fitted(binary):
    return {name: make().fit(binary) for name, make in MODELS.items()}


def test_beta_anneals_linearly_and_restarts_with_each_fit(binary):
    """300 users, 10% held out for validation -> 270 training users, batches of
    64 -> 5 updates an epoch; after 3 epochs beta = min(cap, 15 / steps)."""
    model = MODELS["multvae"](max_epochs=3, total_anneal_steps=30, anneal_cap=0.9)
    model.fit(binary)
    assert model.net_.n_updates_ == 15
    assert model.net_.beta == pytest.approx(0.5)
    model.set_params(total_anneal_steps=10).fit(binary)
    assert model.net_.n_updates_ == 15  # the counter restarted
    assert model.net_.beta == pytest.approx(0.9)  # capped


def test_kl_term_only_for_the_variational_model(binary):
    vae = MODELS["multvae"](max_epochs=1).fit(binary)
    dae = MODELS["multdae"](max_epochs=1).fit(binary)
    assert vae.net_.module_.variational and not dae.net_.module_.variational
    assert dae.net_.beta == 0.0


@pytest.mark.parametrize("name", MODELS)
def test_early_stopping_keeps_the_best_validation_epoch(binary, name):
    model = MODELS[name](max_epochs=12, n_iter_no_change=2, lr=0.05).fit(binary)
    ndcg = model.history_[:, "valid_ndcg"]
    assert len(ndcg) <= 12
    # the kept epoch is the best one, up to skorch's relative threshold (1e-4)
    net = model.net_
    best = dict(net.callbacks_)["early_stopping"].best_epoch_ - 1
    assert ndcg[best] >= max(ndcg) / (1 + 1e-4)
    # the kept weights reproduce the kept epoch's validation NDCG
    from sklearn_recae.callbacks import RankingScoring

    _, valid = net.train_split(net.get_dataset(model._validate(binary, False)))
    RankingScoring().on_epoch_end(net, dataset_valid=valid)
    assert net.history[-1, "valid_ndcg"] == pytest.approx(ndcg[best])


def test_ranking_scoring_equals_ndcg_on_whole_score_matrix(binary, fitted):
    """The callback scores validation users batch by batch; the mean must equal
    ndcg_at_k over the whole (users x items) score matrix."""
    from sklearn_recae._skorch import CSRDataset
    from sklearn_recae.callbacks import RankingScoring
    from sklearn_recae.metrics import ndcg_at_k
    from sklearn_recae.model_selection import holdout_split

    model = fitted["multvae"]
    fold_in, fold_out = holdout_split(binary, random_state=3)
    RankingScoring(k=10).on_epoch_end(
        model.net_, dataset_valid=CSRDataset(fold_in, fold_out)
    )
    expected = ndcg_at_k(fold_out, model.predict(fold_in), k=10, exclude=fold_in)
    assert model.net_.history[-1, "valid_ndcg"] == pytest.approx(expected)


@pytest.mark.parametrize("name", MODELS)
def test_transform_gives_the_latent_code(binary, fitted, name):
    assert fitted[name].transform(binary[:5]).shape == (5, 8)


@pytest.mark.parametrize("name", MODELS)
def test_grid_search_over_user_splits(binary, name):
    search = GridSearchCV(
        MODELS[name](max_epochs=2),
        {"dropout": [0.2, 0.5]},
        cv=UserKFold(3),
        scoring=ndcg_scorer(k=20),
    ).fit(binary)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and ((scores > 0) & (scores <= 1)).all()
