"""Shared pieces of the rating autoencoders (AutoRec, DeepRec)."""

import numpy as np

from .base import BaseTorchRecommender, RatingMixin
from .model_selection._holdout import entry_rows

_BASELINE_SHRINKAGE = 5.0  # chosen on 10% carves of ML-1M, ML-100K, latest-small


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


class RatingBaseline:
    """Global mean plus shrunk item and user offsets (Koren 2010, eq. 2-3).

    ``b_ui = mu + b_i + b_u`` with ``b_i = sum_u (r_ui - mu) / (shrinkage + n_i)``
    over the training ratings and ``b_u = sum_i (r_ui - mu - b_i) / (shrinkage +
    n_u)`` over the ratings of the row being scored (a user's fold-in), so a new
    user gets their offset from the ratings they bring.

    Parameters
    ----------
    X : scipy.sparse.csr_matrix of shape (n_users, n_items)
        Training ratings.
    shrinkage : float, default=5.0
        Pseudo-count pulling offsets of rarely rated items and users to zero.
    """

    def __init__(self, X, shrinkage=_BASELINE_SHRINKAGE):
        self.shrinkage = shrinkage
        self.mean = float(X.data.mean())
        counts = np.bincount(X.indices, minlength=X.shape[1])
        sums = np.bincount(X.indices, weights=X.data - self.mean, minlength=X.shape[1])
        self.item_offsets = (sums / np.maximum(shrinkage + counts, 1e-12)).astype(
            np.float32
        )

    def user_offsets(self, X):
        """Offset ``b_u`` of each row of ``X`` from that row's ratings."""
        residual = X.data - self.mean - self.item_offsets[X.indices]
        sums = np.bincount(entry_rows(X), weights=residual, minlength=X.shape[0])
        counts = np.diff(X.indptr)
        return (sums / np.maximum(self.shrinkage + counts, 1e-12)).astype(np.float32)

    def residuals(self, y, fold_in=None):
        """``y`` minus the baseline at its entries, user offsets from ``fold_in``
        (default ``y``), as a CSR matrix with ``y``'s pattern."""
        offsets = self.user_offsets(y if fold_in is None else fold_in)
        out = y.copy()
        out.data = (
            y.data - self.mean - self.item_offsets[y.indices] - offsets[entry_rows(y)]
        ).astype(y.dtype, copy=False)
        return out

    def add_to(self, scores, X):
        """Add the baseline of the rows of ``X`` to dense ``scores`` in place."""
        scores += self.item_offsets + self.mean
        scores += self.user_offsets(X)[:, None]
        return scores


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
    scores. With ``baseline='bias'`` the network sees and predicts the
    residuals of a user + item bias baseline (``baseline_``, fitted on all
    training ratings) instead of the ratings, so an unobserved input entry
    means "as the baseline expects" and a network that learns nothing
    predicts the baseline. Early stopping holds out ``validation_fraction``
    of every row's ratings (or takes the caller's ``X_val`` / ``y_val``) and
    monitors their masked mean squared error."""

    _non_negative = False
    _auto_epochs = 100
    _auto_patience = 10

    def _prepare(self, X):
        self.rating_stats_ = RatingStatistics(X)
        self.baseline_ = RatingBaseline(X) if self.baseline == "bias" else None
        self.rating_scale_ = rating_scale(self._centred(X).data)

    def _centred(self, X, fold_in=None):
        if self.baseline_ is None:
            return X
        return self.baseline_.residuals(X, fold_in)

    def _rows(self, X, fold_in=None):
        """Scaled ratings (or baseline residuals) of ``X``; user offsets from
        ``fold_in`` (default ``X``), as validation targets need."""
        return self._centred(X, fold_in) * (1.0 / self.rating_scale_)

    def _validation_rows(self, X_val, y_val):
        return self._rows(X_val), self._rows(y_val, fold_in=X_val)

    def _output_bias(self):
        """Initial output bias: the mean (scaled) rating the network predicts."""
        if self.baseline_ is not None:
            return 0.0
        return self.rating_stats_.global_mean / self.rating_scale_

    def _output(self, scores, X):
        scores *= self.rating_scale_
        if self.baseline_ is not None:
            self.baseline_.add_to(scores, X)
        return self.rating_stats_.finish(scores, X)
