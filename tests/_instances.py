"""Fast test instances of every public estimator and their expected check failures."""

from sklearn_recae import EASE


def all_estimators():
    return [EASE(l2=1.0)]


_SCORE_TAKES_MATRIX = (
    "score(X, y) takes y as a held-out interaction matrix of X's shape; a 1-D "
    "target has no meaning for a recommender and is refused."
)

_PREDICT_RETURNS_SCORES = (
    "predict returns one score per item, shape (n_users, n_items), where the "
    "check expects one target per row."
)

_RECOMMENDER_XFAILS = {
    "check_fit_score_takes_y": _SCORE_TAKES_MATRIX,
    "check_pipeline_consistency": _SCORE_TAKES_MATRIX,
    "check_estimator_sparse_array": _PREDICT_RETURNS_SCORES,
    "check_estimator_sparse_matrix": _PREDICT_RETURNS_SCORES,
}

EXPECTED_FAILED_CHECKS = {
    "EASE": _RECOMMENDER_XFAILS,
}
