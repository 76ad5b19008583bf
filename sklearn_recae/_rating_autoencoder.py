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

    def finish(self, ratings, X, baseline=None):
        """Clip to the training range; fall back where the model has nothing to
        go on (items unseen in training, users without ratings).

        The fall-back is ``baseline``, a ``(mean, user_offsets, item_offsets)``
        triple in ``X``'s orientation, where the model has one (so an unseen
        item still gets the user's offset), else item and global means.
        """
        empty_rows = np.diff(X.indptr) == 0
        if baseline is None:
            ratings[:, self.unseen_items] = self.global_mean
            ratings[empty_rows] = self.item_means
        else:
            mean, user_offsets, item_offsets = baseline
            ratings[:, self.unseen_items] = (
                mean + user_offsets[:, None] + item_offsets[self.unseen_items]
            )
            ratings[empty_rows] = mean + user_offsets[empty_rows, None] + item_offsets
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
        self.column_counts = counts

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
            "column_counts": self.column_counts,
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
    _rows_are_users = True
    _auto_epochs = 100
    _auto_patience = 10

    def _prepare(self, X):
        self.rating_stats_ = RatingStatistics(X)
        self.rating_scale_ = rating_scale(X.data)
        self.baseline_ = None
        if self.baseline == "bias":
            self.baseline_ = RatingBaseline(self._rows(X) * self.rating_scale_)

    def _build_net(self, rows, device, seed, validation=None):
        split = self._train_split(seed) if validation is None else None
        if split is not None and self.baseline_ is not None:
            self.baseline_ = self._baseline_without_validation(split, rows)
        return super()._build_net(rows, device, seed, validation)

    def _baseline_without_validation(self, split, rows):
        """The baseline of the entries the network trains on: estimated on all
        of them, its offsets would hold the carved-out validation ratings and
        make the validation error (and the epoch early stopping picks)
        optimistic."""
        X_fit, _, _ = split.split_entries(rows)
        return RatingBaseline(X_fit * self.rating_scale_)

    def _fit_net(self, rows, validation=None):
        net = super()._fit_net(rows, validation)
        if validation is None and self.early_stopping and self.baseline_ is not None:
            self._refit_baseline(net, rows)
        return net

    def _refit_baseline(self, net, rows):
        """Once early stopping has chosen the epoch, re-estimate the baseline
        on every training rating (the carved-out ones too), as a refit on all
        of ``X`` would: the network keeps its weights."""
        import torch

        self.baseline_ = RatingBaseline(rows * self.rating_scale_)
        params = self.baseline_.module_params(self.rating_scale_)
        module_baseline = net.module_.baseline
        centre = module_baseline.centre
        centre.copy_(
            torch.as_tensor(params["column_offsets"] + params["mean"]).to(centre)
        )

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
        return self.rating_stats_.finish(scores, X, self._baseline_offsets(X))

    def _baseline_offsets(self, X):
        """``(mean, user offsets, item offsets)`` of ``baseline_`` for the rows of
        ``X`` (users), or None without a baseline."""
        if self.baseline_ is None:
            return None
        row_offsets = self.baseline_.row_offsets(self._rows(X) * self.rating_scale_)
        column_offsets = self.baseline_.column_offsets
        if self._rows_are_users:
            return self.baseline_.mean, row_offsets, column_offsets
        return self.baseline_.mean, column_offsets, row_offsets
