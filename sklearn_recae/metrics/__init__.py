"""Ranking and rating metrics, and scorers for scikit-learn's model selection."""

from ._ranking import ndcg_at_k, precision_at_k, recall_at_k, recall_n_at_k
from ._rating import masked_rmse
from ._scorer import (
    RecommenderScorer,
    ndcg_scorer,
    neg_rmse_scorer,
    precision_scorer,
    recall_n_scorer,
    recall_scorer,
    rmse_scorer,
)

__all__ = [
    "RecommenderScorer",
    "masked_rmse",
    "ndcg_at_k",
    "ndcg_scorer",
    "neg_rmse_scorer",
    "precision_at_k",
    "precision_scorer",
    "recall_at_k",
    "recall_n_at_k",
    "recall_n_scorer",
    "recall_scorer",
    "rmse_scorer",
]
