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
    """Global mean plus shrunk column and row offsets (Koren 2010, eq. 2-3).

    Over the network's training rows (users for U-AutoRec and DeepRec, items
    for I-AutoRec): ``b = mu + c_j + r`` with column offsets
    ``c_j = sum (x_j - mu) / (shrinkage + n_j)`` fixed at fit, and the row
    offset ``r = sum_j (x_j - mu - c_j) / (shrinkage + n)`` computed from the
    observed entries of the row being scored, so a new user gets theirs from
    the ratings they bring. For users as rows this is the item-then-user bias
    baseline; the network adds it to its output
    (:class:`~sklearn_recae.nn.RowBaseline`).

    Parameters
    ----------
    rows : scipy.sparse.csr_matrix of shape (n_rows, n_columns)
        Training ratings, one training example per row.
    shrinkage : float, default=5.0
        Pseudo-count pulling offsets of rarely rated columns and rows to zero.
    """

    def __init__(self, rows, shrinkage=_BASELINE_SHRINKAGE):
        self.shrinkage = shrinkage
        self.mean = float(rows.data.mean())
        n_columns = rows.shape[1]
        counts = np.bincount(rows.indices, minlength=n_columns)
        centred = rows.data - self.mean
        sums = np.bincount(rows.indices, weights=centred, minlength=n_columns)
        self.column_offsets = (sums / np.maximum(shrinkage + counts, 1e-12)).astype(
            np.float32
        )

    def row_offsets(self, rows):
        """Offset of each row of ``rows`` from that row's observed entries."""
        residual = rows.data - self.mean - self.column_offsets[rows.indices]
        sums = np.bincount(entry_rows(rows), weights=residual, minlength=rows.shape[0])
        counts = np.diff(rows.indptr)
        return (sums / np.maximum(self.shrinkage + counts, 1e-12)).astype(np.float32)

    def predict(self, rows):
        """Dense baseline of every entry of ``rows``, shape ``rows.shape``."""
        return (self.mean + self.column_offsets) + self.row_offsets(rows)[:, None]

    def module_params(self, scale):
        """The baseline in the network's units (ratings divided by ``scale``)."""
        return {
            "mean": self.mean / scale,
            "column_offsets": self.column_offsets / scale,
            "shrinkage": self.shrinkage,
        }


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
    scores. With ``baseline='bias'`` the network adds a user + item bias
    baseline to its output (``baseline_``, fixed at fit; a row's own offset is
    computed from its observed entries), so it learns only what the baseline
    misses and, its last layer starting at zero (AutoRec), starts from it.
    Early stopping holds out ``validation_fraction`` of every row's ratings
    (or takes the caller's ``X_val`` / ``y_val``) and monitors their masked
    mean squared error."""

    _non_negative = False
    _auto_epochs = 100
    _auto_patience = 10

    def _prepare(self, X):
        self.rating_stats_ = RatingStatistics(X)
        self.rating_scale_ = rating_scale(X.data)
        self.baseline_ = None
        if self.baseline == "bias":
            self.baseline_ = RatingBaseline(self._rows(X) * self.rating_scale_)

    def _rows(self, X):
        return X * (1.0 / self.rating_scale_)

    def _baseline_params(self):
        """The module's ``baseline`` parameter (None without one)."""
        if self.baseline_ is None:
            return None
        return self.baseline_.module_params(self.rating_scale_)

    def _output_bias(self):
        """Initial output bias: the mean (scaled) rating, or 0 over a baseline."""
        if self.baseline_ is not None:
            return 0.0
        return self.rating_stats_.global_mean / self.rating_scale_

    def _output(self, scores, X):
        scores *= self.rating_scale_
        return self.rating_stats_.finish(scores, X)
