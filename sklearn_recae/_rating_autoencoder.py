"""Shared pieces of the rating autoencoders (AutoRec, DeepRec)."""

import numpy as np

from .base import BaseTorchRecommender, RatingMixin


class RatingStatistics:
    """Training rating range and means: the fall-backs of rating models."""

    def __init__(self, X):
        self.low, self.high = float(X.data.min()), float(X.data.max())
        self.global_mean = float(X.data.mean())
        counts = np.bincount(X.indices, minlength=X.shape[1])
        sums = np.bincount(X.indices, weights=X.data, minlength=X.shape[1])
        self.item_means = np.where(
            counts > 0, sums / np.maximum(counts, 1), self.global_mean
        ).astype(np.float32)
        self.unseen_items = counts == 0

    def finish(self, ratings, X):
        """Clip to the training range; fall back to item means where the model
        has nothing to go on (items unseen in training, rows without ratings)."""
        ratings[:, self.unseen_items] = self.global_mean
        empty_rows = np.diff(X.indptr) == 0
        ratings[empty_rows] = self.item_means
        return np.clip(ratings, self.low, self.high, out=ratings)


def rating_scale(values):
    """The ratings' standard deviation, but at least a quarter of their root
    mean square, so that ``values / scale`` are a few units at most whether
    ratings are 1-5 stars, 0-100 points, centred or all near 100."""
    values = np.asarray(values, dtype=np.float64)
    rms = float(np.sqrt(np.mean(values**2)))
    return max(float(np.std(values)), rms / 4.0)


class RatingAutoencoder(RatingMixin, BaseTorchRecommender):
    """Base of the rating autoencoders: ratings may be negative, zero means not
    observed; predictions are clipped to the training range, with mean
    fall-backs where the model has nothing to go on.

    The network sees ratings divided by ``rating_scale_`` (their standard
    deviation, at least a quarter of their root mean square), and its outputs
    are multiplied back: the
    learning rate and the penalty mean the same on 1-5 stars, 1-10 or 0-100
    scores. Early stopping holds out ``validation_fraction`` of every row's
    ratings (or takes the caller's ``X_val`` / ``y_val``) and monitors their
    masked mean squared error."""

    _non_negative = False
    _auto_epochs = 100
    _auto_patience = 10

    def _prepare(self, X):
        self.rating_stats_ = RatingStatistics(X)
        self.rating_scale_ = rating_scale(X.data)

    def _rows(self, X):
        return X * (1.0 / self.rating_scale_)

    def _output(self, scores, X):
        scores *= self.rating_scale_
        return self.rating_stats_.finish(scores, X)
