"""CDAE: user node, fold-in of new users, negative sampling, contract."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sklearn_recae import CDAE
from sklearn_recae.metrics import ndcg_at_k, ndcg_scorer
from sklearn_recae.model_selection import UserKFold, holdout_split

FAST = dict(latent_dim=8, max_epochs=4, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def fitted(binary):
    return CDAE(**FAST).fit(binary)


def test_user_vectors_are_learned_for_every_training_row(binary, fitted):
    vectors = fitted.user_vectors_
    assert vectors.shape == (300, 8) and fitted.n_users_fit_ == 300
    # early stopping carves entries, not users: every user's vector trains
    assert (np.abs(vectors).sum(axis=1) > 0).all()


def test_training_loss_sees_only_observed_items_and_sampled_negatives(binary):
    """Spy on the entry weights the net uses in training (cdae_loss draws them)."""
    from sklearn_recae.nn import _losses as engine

    seen = []
    original = engine.negative_weights

    def spy(y_true, ratio, sample=True):
        weights = original(y_true, ratio, sample)
        if sample:
            seen.append((y_true.clone(), weights.clone()))
        return weights

    engine.negative_weights = spy
    try:
        CDAE(**{**FAST, "max_epochs": 1}, negative_ratio=2.0).fit(binary)
    finally:
        engine.negative_weights = original
    y, weights = map(torch.cat, zip(*seen, strict=True))
    assert torch.all(weights[y != 0] == 1)
    drawn = (weights == 1) & (y == 0)
    assert 1.7 < float(drawn.sum() / (y != 0).sum()) < 2.3


def test_user_free_predict_is_row_independent(binary, fitted):
    """The contract test checks the default fold-in; this is the explicit
    user-free path (``fold_in_steps=0``)."""
    model = clone(fitted).set_params(fold_in_steps=0).fit(binary)
    np.testing.assert_allclose(
        model.predict(binary[10:20]), model.predict(binary)[10:20], rtol=1e-4, atol=1e-5
    )


def test_fold_in_recovers_training_users_better_than_user_free(binary):
    """Folded-in vectors of training rows are closer to the learned ones than 0."""
    model = CDAE(**{**FAST, "max_epochs": 30, "lr": 0.01}).fit(binary)
    module = model.net_.module_
    x = torch.from_numpy(binary[:50].toarray())
    folded = module.fold_in(module.encoder(x).detach(), x).numpy()
    learned = model.user_vectors_[:50]
    keep = np.abs(learned).sum(axis=1) > 0
    assert np.linalg.norm(folded[keep] - learned[keep]) < np.linalg.norm(learned[keep])


def _autograd_fold_in(module, encoded, x):
    """The fold-in's objective minimised with autograd through the loss."""
    from sklearn_recae.nn import negative_weights, weighted_entry_loss

    weights = negative_weights(x, module.negative_ratio, sample=False)
    vectors = torch.zeros_like(encoded, requires_grad=True)
    optimizer = torch.optim.Adam([vectors], lr=module.fold_in_lr)
    for _ in range(module.fold_in_steps):
        logits = module.decoder(module.activation(encoded + vectors))
        objective = (
            weighted_entry_loss(logits, x, weights, module.loss) * len(x)
            + 0.5 * module.fold_in_l2 * vectors.square().sum()
        )
        optimizer.zero_grad()
        objective.backward()
        optimizer.step()
    return vectors.detach()


@pytest.mark.parametrize("loss", ["logistic", "squared"])
@pytest.mark.parametrize("negative_ratio", [5.0, None])
def test_fold_in_closed_form_gradient_equals_autograd(binary, loss, negative_ratio):
    """The fold-in's hand-written logit gradient gives the vectors that
    autograd through weighted_entry_loss gives."""
    model = CDAE(**FAST, loss=loss, negative_ratio=negative_ratio).fit(binary)
    module = model.net_.module_
    x = torch.from_numpy(binary[:40].toarray())
    with torch.no_grad():
        encoded = module.encoder(x)
        folded = module.fold_in(encoded, x)
    expected = _autograd_fold_in(module, encoded, x)
    assert folded.abs().max() > 0
    torch.testing.assert_close(folded, expected, rtol=1e-4, atol=1e-5)


def test_early_stopping_keeps_the_best_validation_epoch(binary):
    from sklearn_recae.callbacks import RankingScoring

    model = CDAE(**{**FAST, "max_epochs": 12}, n_iter_no_change=2, lr=0.05)
    model.fit(binary)
    ndcg = model.history_[:, "valid_ndcg"]
    net = model.net_
    _, valid = net.train_split(model._training_data(model._validate(binary, False)))
    RankingScoring().on_epoch_end(net, dataset_valid=valid)
    assert net.history[-1, "valid_ndcg"] == pytest.approx(max(ndcg), rel=1e-5)


def test_squared_loss_beats_popularity_on_planted_structure(binary):
    """The contract's planted-structure oracle runs the default logistic loss."""
    model = CDAE(**{**FAST, "max_epochs": 30, "lr": 0.01}, loss="squared")
    model.fit(binary[:240])
    X_in, X_out = holdout_split(binary[240:], random_state=0)
    popularity = np.tile(np.asarray(binary[:240].sum(axis=0)), (60, 1))
    assert ndcg_at_k(X_out, model.predict(X_in), k=10, exclude=X_in) > ndcg_at_k(
        X_out, popularity, k=10, exclude=X_in
    )


def test_grid_search_over_user_splits(binary):
    search = GridSearchCV(
        CDAE(**{**FAST, "max_epochs": 2}),
        {"dropout": [0.2, 0.5]},
        cv=UserKFold(3),
        scoring=ndcg_scorer(k=20),
    ).fit(binary)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and ((scores > 0) & (scores <= 1)).all()
