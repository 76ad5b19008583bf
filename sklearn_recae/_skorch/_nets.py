"""The package's skorch nets: CSR batching, per-fit counters, model losses.

Each net overrides only skorch's documented extension points
(``initialize``, ``get_dataset``, ``get_iterator``, ``get_loss``,
``train_step``); the training loop, callbacks, early stopping, history and
progress bar are skorch's. Losses are computed by :mod:`sklearn_recae.nn`'s
functions (``nn/_losses.py``), never here.
"""

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNet
from skorch.dataset import unpack_data
from skorch.utils import to_tensor
from torch.utils.data import BatchSampler, RandomSampler, SequentialSampler

from ..nn._losses import _steps_kl, cdae_loss, linear_next_k_nll, vae_loss
from ._datasets import CSRDataset, SequenceDataset, batch_loader


class RecommenderNet(NeuralNet):
    """skorch ``NeuralNet`` over CSR rows, batched by a ``BatchSampler``.

    A batch is sliced from the CSR matrix and densified once (the inputs stay
    sparse when the class attribute ``sparse_inputs`` is true: the module's
    first layer reads torch CSR rows); skorch moves it to ``device``. Training
    batches are shuffled with torch's generator (seeded by the estimator).
    Per-fit training state lives in attributes set by :meth:`reset_counters`,
    which :meth:`initialize` calls, so it restarts with every fit.
    """

    sparse_inputs = False

    def __init__(self, *args, precision="float32", **kwargs):
        super().__init__(*args, **kwargs)
        self.precision = precision

    def train_step_single(self, batch, **fit_params):
        """skorch's step; with ``precision='bfloat16'`` the forward pass and
        the loss run under ``torch.autocast`` (backward outside it, as torch
        advises), so weights, gradients and the optimiser stay float32."""
        if self.precision == "float32":
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        device_type = torch.device(self.device).type
        with torch.autocast(device_type, dtype=torch.bfloat16):
            y_pred = _float32(self.infer(Xi, **fit_params))
            loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def initialize(self):
        super().initialize()
        self.reset_counters()
        return self

    def reset_counters(self):
        """Reset per-fit training counters (called by ``initialize``)."""

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        if not sp.issparse(X):
            raise TypeError(f"RecommenderNet expects a CSR matrix, got {type(X)}.")
        return CSRDataset(X, y, sparse_inputs=self.sparse_inputs)

    def get_iterator(self, dataset, training=False):
        sampler = RandomSampler(dataset) if training else SequentialSampler(dataset)
        batches = BatchSampler(sampler, batch_size=self.batch_size, drop_last=False)
        return batch_loader(dataset, batches)


def _float32(output):
    """The module's output (a tensor or a tuple of them) in float32: the
    losses then see float32 scores whatever the products ran in."""
    if isinstance(output, tuple):
        return tuple(_float32(part) for part in output)
    if isinstance(output, torch.Tensor) and output.dtype == torch.bfloat16:
        return output.float()
    return output


class RefeedingNet(RecommenderNet):
    """Adds DeepRec's dense re-feeding: after each update on ``x``, a second
    update with ``f(x)`` as both input and target (Kuchaiev & Ginsburg 2017,
    section 2.3; NVIDIA's reference does it once per batch)."""

    def __init__(self, *args, refeed_steps=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.refeed_steps = refeed_steps

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        y_pred = step["y_pred"]
        for _ in range(self.refeed_steps):
            refed = y_pred.detach()
            y_pred = super().train_step((refed, refed), **fit_params)["y_pred"]
        return step


class VAENet(RecommenderNet):
    """Mult-VAE / Mult-DAE net: multinomial likelihood plus an annealed KL term.

    β = min(anneal_cap, t / total_anneal_steps) after t updates (Liang et al.
    2018, section 2.2.2, and their code); the update counter is re-created
    by ``initialize``, so it restarts with every fit. The loss is
    :func:`~sklearn_recae.nn.vae_loss`.
    """

    sparse_inputs = True

    def __init__(self, *args, anneal_cap=0.2, total_anneal_steps=200000, **kwargs):
        super().__init__(*args, **kwargs)
        self.anneal_cap = anneal_cap
        self.total_anneal_steps = total_anneal_steps

    def reset_counters(self):
        self.n_updates_ = 0

    @property
    def beta(self):
        if self.total_anneal_steps <= 0:
            return self.anneal_cap
        return min(self.anneal_cap, self.n_updates_ / self.total_anneal_steps)

    def on_epoch_end(self, net, **kwargs):
        super().on_epoch_end(net, **kwargs)
        self.history.record("beta", float(self.beta))

    def get_loss(self, y_pred, y_true, X=None, training=False):
        logits, mu, logvar = y_pred
        y_true = to_tensor(y_true, device=self.device)
        return vae_loss(logits, y_true, mu, logvar, self.beta, self.module_.variational)

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        self.n_updates_ += 1
        return step


class CDAENet(RecommenderNet):
    """CDAE net: rows carry user ids; the loss samples negatives in training.

    Data passed by the estimator for training already carries the training
    users' ids (a :class:`CSRDataset` with ``users``); any other matrix (predict,
    validation users) is made of users unknown to the model (id -1), whose
    vectors the module folds in. The loss is :func:`~sklearn_recae.nn.cdae_loss`.
    """

    sparse_inputs = True

    def __init__(self, *args, loss="logistic", negative_ratio=20.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss = loss
        self.negative_ratio = negative_ratio

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        dataset = super().get_dataset(X, y)
        dataset.users = np.full(X.shape[0], -1)
        return dataset

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        return cdae_loss(y_pred, y_true, self.negative_ratio, self.loss, training)


class SVAENet(VAENet):
    """SVAE net: sequences batched by similar length, next-k loss in training.

    Training batches group rows of similar length (a random order, sorted by
    length plus noise, cut into batches whose order is shuffled), so padding
    stays short. The training loss is :func:`~sklearn_recae.nn.svae_loss`
    (next-k likelihood plus β times the KL of every step that predicts),
    computed from the decoder's last hidden layer by
    :func:`~sklearn_recae.nn.linear_next_k_nll` (the output layer fused with
    its softmax, never every step's logits at once); in
    evaluation the scores after the last event are scored against the
    held-out items by :func:`~sklearn_recae.nn.vae_loss`.
    """

    sparse_inputs = False  # sequences: SequenceDataset

    def __init__(self, *args, next_k=4, max_length=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.next_k = next_k
        self.max_length = max_length

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        return SequenceDataset(X, y, self.max_length)

    def get_iterator(self, dataset, training=False):
        if not training:
            return super().get_iterator(dataset, training=False)
        n = len(dataset)
        noise = torch.rand(n).numpy() * 2.0
        by_length = np.argsort(dataset.lengths + noise, kind="stable")
        batches = np.array_split(by_length, max(1, -(-n // self.batch_size)))
        order = torch.randperm(len(batches)).numpy()
        return batch_loader(dataset, [batches[i] for i in order])

    def get_loss(self, y_pred, y_true, X=None, training=False):
        scores, mu, logvar = y_pred
        y_true = to_tensor(y_true, device=self.device)
        if not training:  # held-out items (values are times: count each once)
            held_out = (y_true != 0).to(scores.dtype)
            return vae_loss(scores, held_out, mu, logvar, self.beta)
        # training: scores are the decoder's last hidden layer (SVAEModule)
        layer = self.module_.output_layer
        dtype = torch.bfloat16 if self.precision == "bfloat16" else None
        nll = linear_next_k_nll(
            scores, layer.weight, layer.bias, y_true, self.next_k, dtype=dtype
        )
        return nll + self.beta * _steps_kl(y_true, mu, logvar)
