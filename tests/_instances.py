"""Fast test instances of every public estimator and their expected check failures."""

from sklearn_recae import (
    CDAE,
    EASE,
    EDLAE,
    ELSA,
    SVAE,
    AutoRec,
    DeepRec,
    MultDAE,
    MultVAE,
    RecVAE,
)

_TINY_NET = dict(max_epochs=2, batch_size=16, random_state=0)


def all_estimators():
    return [
        EASE(l2=1.0),
        EDLAE(l2=1.0, dropout=0.25),
        EDLAE(l2=1.0, dropout=0.25, diagonal="free"),
        EDLAE(l2=1.0, dropout=0.25, diagonal="bounded", max_diagonal=0.3),
        ELSA(latent_dim=4, **_TINY_NET),
        AutoRec(variant="user", latent_dim=4, **_TINY_NET),
        AutoRec(variant="item", latent_dim=4, **_TINY_NET),
        # default SGD: the checks feed ratings near 100, which trains because
        # the rating models scale ratings by their standard deviation
        DeepRec(hidden_dims=(6,), latent_dim=4, code_dropout=0.2, **_TINY_NET),
        MultVAE(hidden_dims=(6,), latent_dim=3, **_TINY_NET),
        MultDAE(latent_dim=3, **_TINY_NET),
        CDAE(latent_dim=3, **_TINY_NET),
        SVAE(embedding_dim=4, rnn_dim=4, hidden_dim=4, latent_dim=2, **_TINY_NET),
        RecVAE(hidden_dim=4, latent_dim=2, **_TINY_NET),
    ]


_SCORE_TAKES_MATRIX = (
    "score(X, y) takes y as a held-out interaction matrix of X's shape; a 1-D "
    "target has no meaning for a recommender and is refused."
)
_PREDICT_RETURNS_SCORES = (
    "predict returns one score per item, shape (n_users, n_items), where the "
    "check expects one target per row."
)
_TRANSDUCTIVE = (
    "I-AutoRec is transductive in users: predict needs all training users' rows "
    "in training order, so subsets and permutations of rows are refused or differ."
)

_RECOMMENDER_XFAILS = {
    "check_fit_score_takes_y": _SCORE_TAKES_MATRIX,
    "check_pipeline_consistency": _SCORE_TAKES_MATRIX,
    "check_estimator_sparse_array": _PREDICT_RETURNS_SCORES,
    "check_estimator_sparse_matrix": _PREDICT_RETURNS_SCORES,
}

_FLOAT32_BATCHES = (
    "float32 matrix products may round a row's scores differently (by 1 ulp) "
    "depending on its position in a batch; the contract test checks subset and "
    "order invariance to rtol=1e-5 instead of 1e-7."
)

_NEURAL_XFAILS = {
    **_RECOMMENDER_XFAILS,
    "check_methods_subset_invariance": _FLOAT32_BATCHES,
    "check_methods_sample_order_invariance": _FLOAT32_BATCHES,
}

_ITEM_AUTOREC_XFAILS = {
    **_RECOMMENDER_XFAILS,
    "check_methods_subset_invariance": _TRANSDUCTIVE,
    "check_methods_sample_order_invariance": _TRANSDUCTIVE,
    "check_fit_idempotent": _TRANSDUCTIVE,
}


def expected_failed_checks(estimator):
    if isinstance(estimator, AutoRec) and estimator.variant == "item":
        return _ITEM_AUTOREC_XFAILS
    if isinstance(estimator, (AutoRec, CDAE, DeepRec, MultVAE, MultDAE, SVAE, RecVAE)):
        return _NEURAL_XFAILS
    return _RECOMMENDER_XFAILS


def is_transductive(estimator):
    """Whether ``predict`` can score only the training users' rows (in order).

    Read from the expected failures above, so the contract test and the common
    checks share one statement of which models are transductive in users.
    """
    reasons = expected_failed_checks(estimator)
    return reasons.get("check_methods_subset_invariance") == _TRANSDUCTIVE
