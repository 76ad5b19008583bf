"""Shared base of the ranking autoencoders (Mult-VAE/DAE, CDAE, SVAE)."""

import torch
from sklearn.utils import TransformerTags
from sklearn.utils.validation import check_is_fitted

from ._skorch._callbacks import RankingScoring
from ._skorch._splits import EntryHoldoutSplit
from .base import BaseTorchRecommender, torch_rng_untouched


class RankingAutoencoder(BaseTorchRecommender):
    """The net computes the loss; ``l2`` is weight decay; early stopping keeps
    the epoch with the best NDCG@100 on validation users: the caller's
    ``X_val`` / ``y_val``, or else ``validation_fraction`` of the training users
    with 20% of their entries held out (at random, or the latest 20% with
    ``_holdout_strategy = "temporal"``) while every user trains on the rest."""

    _early_stopping_monitor = ("valid_ndcg", False)
    _holdout_strategy = "random"

    def _criterion(self):
        return torch.nn.Identity  # unused: the net's get_loss computes the loss

    def _optimizer_params(self, n_rows):
        return {"weight_decay": self.l2}

    def _train_split(self, seed):
        if not self.early_stopping:
            return None
        return EntryHoldoutSplit(
            0.2,
            random_state=seed,
            rows=self.validation_fraction,
            strategy=self._holdout_strategy,
        )

    def _validation_callbacks(self):
        return [("valid_ndcg", RankingScoring(k=100))]


class LatentCodeMixin:
    """``transform``: each row's latent code, batch by batch through the net.

    Subclasses implement ``_encode(module, inputs)`` on one batch of the net's
    inputs (already on the net's device).
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags(preserves_dtype=[])
        return tags

    def fit_transform(self, X, y=None):
        """Fit, then return the code of each row of ``X`` (see :meth:`transform`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Training interactions.
        y : None
            Ignored.

        Returns
        -------
        codes : ndarray of shape (n_users, latent_dim)
            Latent representations (float32).
        """
        return self.fit(X).transform(X)

    def transform(self, X):
        """The encoder's code of each row (the posterior mean for the VAEs).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Interactions of the users to encode.

        Returns
        -------
        codes : ndarray of shape (n_users, latent_dim)
            Latent representations (float32).
        """
        from skorch.utils import to_device

        check_is_fitted(self)
        X = self._validate(X, reset=False)
        net = self.net_
        net.module_.eval()
        codes = []
        with torch.no_grad(), torch_rng_untouched():
            for inputs, _ in net.get_iterator(net.get_dataset(X), training=False):
                inputs = to_device(inputs, net.device)
                codes.append(self._encode(net.module_, inputs).cpu())
        return torch.cat(codes).numpy()
