"""RecVAE (Shenbin et al. 2020): a VAE with a dense encoder, a composite prior,
user-dependent β and alternating encoder / decoder training."""

import math
from contextlib import contextmanager
from numbers import Integral, Real

from skorch.callbacks import LRScheduler
from skorch.utils import TeeGenerator, to_tensor
from torch.optim.lr_scheduler import ReduceLROnPlateau

from ._ranking_autoencoder import LatentCodeMixin, RankingAutoencoder
from ._skorch._nets import RecommenderNet
from .base import TORCH_PARAMETER_CONSTRAINTS
from .nn import RecVAEModule, recvae_loss
from .nn._sparse import row_sums
from .utils._validation import Interval

_PHASES = ("encoder", "decoder")


@contextmanager
def _frozen(module):
    """No gradients for ``module``'s parameters inside the block (restored after)."""
    flags = [p.requires_grad for p in module.parameters()]
    module.requires_grad_(False)
    try:
        yield
    finally:
        for parameter, flag in zip(module.parameters(), flags, strict=True):
            parameter.requires_grad_(flag)


class RecVAENet(RecommenderNet):
    """skorch net of RecVAE: one epoch is one round of alternating training.

    Following the authors' ``run.py``, a training epoch makes
    ``encoder_passes`` shuffled passes over the training users that update the
    encoder only (input dropout on), copies the encoder into the composite
    prior (:meth:`~sklearn_recae.nn.RecVAEModule.update_prior`), then makes
    ``decoder_passes`` passes that update the decoder only, without dropout.
    The two parts have their own optimizer, built by skorch's documented
    multi-optimizer hook (:meth:`initialize_optimizer`): ``optimizer_`` for
    the encoder, ``optimizer_decoder_`` for the decoder, both from the net's
    ``optimizer`` and ``optimizer__*`` settings. :meth:`train_step` steps only
    the optimizer of the current phase (``phase_``); the other part's
    parameters are frozen during the backward pass, which changes no update
    (its optimizer does not step) and skips its gradients.

    Parameters
    ----------
    *args, **kwargs
        Passed to :class:`RecommenderNet`.
    gamma : float, default=0.01
        KL weight per interaction: ``β_u = gamma * |x_u|``.
    encoder_passes : int, default=3
        Encoder passes per epoch (the authors' ``n_enc_epochs``).
    decoder_passes : int, default=1
        Decoder passes per epoch (``n_dec_epochs``).
    """

    sparse_inputs = True

    def __init__(self, *args, gamma=0.01, encoder_passes=3, decoder_passes=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.gamma = gamma
        self.encoder_passes = encoder_passes
        self.decoder_passes = decoder_passes

    def reset_counters(self):
        self.phase_ = "encoder"

    def initialize_optimizer(self, *args, **kwargs):
        module = self.module_
        named = module.encoder.named_parameters(prefix="encoder")
        args, kwargs = self.get_params_for_optimizer("optimizer", named)
        self.optimizer_ = self.optimizer(*args, **kwargs)
        named = module.decoder.named_parameters(prefix="decoder")
        args, kwargs = self.get_params_for_optimizer("optimizer", named)
        self.optimizer_decoder_ = self.optimizer(*args, **kwargs)
        return self

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if not training or iterator is None:
            return super().run_single_epoch(
                iterator, training, prefix, step_fn, **fit_params
            )
        n_batches = 0
        for phase, passes in zip(
            _PHASES, (self.encoder_passes, self.decoder_passes), strict=True
        ):
            if phase == "decoder":
                self.module_.update_prior()
            self.phase_ = phase
            for _ in range(passes):
                super().run_single_epoch(
                    iterator, training, prefix, step_fn, **fit_params
                )
                n_batches += self.history[-1, f"{prefix}_batch_count"]
        self.history.record(f"{prefix}_batch_count", n_batches)
        return None

    def train_step_single(self, batch, **fit_params):
        if self.phase_ == "decoder":
            with _frozen(self.module_.encoder):
                return super().train_step_single(batch, **fit_params, dropout=0.0)
        with _frozen(self.module_.decoder):
            return super().train_step_single(batch, **fit_params)

    def train_step(self, batch, **fit_params):
        optimizer = (
            self.optimizer_ if self.phase_ == "encoder" else (self.optimizer_decoder_)
        )
        accumulator = self.get_train_step_accumulator()

        def step_fn():
            optimizer.zero_grad()
            step = self.train_step_single(batch, **fit_params)
            accumulator.store_step(step)
            self.notify(
                "on_grad_computed",
                named_parameters=TeeGenerator(self.get_all_learnable_params()),
                batch=batch,
                training=True,
            )
            return step["loss"]

        optimizer.step(step_fn)
        return accumulator.get_step()

    def get_loss(self, y_pred, y_true, X=None, training=False):
        logits, mu, logvar, z = y_pred
        x = to_tensor(X, device=self.device)
        y_true = to_tensor(y_true, device=self.device)
        log_prior = self.module_.prior(x, z)
        kl_weight = self.gamma * row_sums(x)
        return recvae_loss(logits, y_true, mu, logvar, z, log_prior, kl_weight)


class _DecoderLRScheduler(LRScheduler):
    """The twin of an ``LRScheduler``, acting on RecVAE's decoder optimizer."""

    @classmethod
    def twin(cls, scheduler):
        return cls(
            scheduler.policy,
            monitor=scheduler.monitor,
            event_name=None,
            step_every=scheduler.step_every,
            **scheduler.kwargs,
        )

    def _get_scheduler(self, net, policy, **scheduler_kwargs):
        # as LRScheduler._get_scheduler, on the other optimizer
        if policy is not ReduceLROnPlateau and "last_epoch" not in scheduler_kwargs:
            scheduler_kwargs["last_epoch"] = len(net.history) - 1
        return policy(net.optimizer_decoder_, **scheduler_kwargs)


class RecVAE(LatentCodeMixin, RankingAutoencoder):
    """RecVAE: a variational autoencoder with a composite prior for top-N lists.

    RecVAE (Shenbin et al. 2020) keeps Mult-VAE's multinomial likelihood and
    changes the rest, as in the authors' code: each user's row ``x_u`` is
    L2-normalised, dropped out (``dropout``, encoder passes only) and encoded
    by five densely connected layers (each adds the outputs of all previous
    layers before swish and layer normalisation with ``eps=0.1``; section 3.2)
    into a Gaussian posterior; a single linear layer decodes the code into
    logits over the items. The prior is a mixture per latent dimension
    (eq. 5)

    .. math::

        p(z \\mid \\phi_{old}, x) = \\tfrac{3}{20}\\mathcal{N}(z \\mid 0, I)
        + \\tfrac{3}{4} q_{\\phi_{old}}(z \\mid x)
        + \\tfrac{1}{10}\\mathcal{N}(z \\mid 0, e^{10} I)

    whose middle component is the posterior of the encoder as it was after
    the previous epoch's encoder passes. Each user's KL weight grows with the
    size of their history, :math:`\\beta_u = \\gamma |x_u|` (eq. 7), so the
    objective per batch is

    .. math::

        \\frac{1}{|B|}\\sum_{u \\in B} \\Big[\\sum_i x_{ui} \\log \\pi_i(z_u)
        - \\gamma |x_u| \\big(\\log q_\\phi(z_u \\mid x_u)
        - \\log p(z_u \\mid \\phi_{old}, x_u)\\big)\\Big],
        \\quad z_u = \\mu_u + \\epsilon \\sigma_u,\\ \\epsilon \\sim
        \\mathcal{N}(0, I).

    Training alternates (section 3.4): an epoch is ``encoder_passes`` passes
    that update the encoder, the copy of the encoder into the prior, and
    ``decoder_passes`` passes without dropout that update the decoder, each
    part with its own optimizer (two Adams with the same settings). Scores
    are the decoder's logits at the posterior mean, so the model is inductive
    and ``predict`` is deterministic. Values of ``X`` are used as counts (and
    ``|x_u|`` is their sum); binarize first for the paper's setting.

    With ``early_stopping=True`` (the default), ``validation_fraction`` of the
    users are held out; after every epoch the NDCG@100 of their held-out 20%
    given the rest (``valid_ndcg`` in ``history_``) is measured, and the
    weights of the best epoch are kept, stopping after ``n_iter_no_change``
    epochs without improvement (the authors keep the best of 50 epochs on
    their validation users). Memory: one dense batch of ``batch_size`` users
    at a time; time per epoch about ``2 * (2 * encoder_passes +
    decoder_passes)`` forward passes of the encoder (the prior's copy runs on
    every batch) over the training users.

    Parameters
    ----------
    hidden_dim : int, default=600
        Width of each of the encoder's five densely connected hidden layers.
    latent_dim : int, default=200
        Size of the latent code.
    dropout : float in [0, 1), default=0.6
        Input dropout probability, in the encoder passes only. The authors use
        0.5; 0.6 was chosen on validation users (ML-1M T1's carve, two seeds,
        and the S1-style validation users of ML-1M, ML-100K and
        ML-latest-small).
    gamma : float, default=0.01
        γ of the KL weight ``β_u = gamma * |x_u|``. The authors use 0.005
        (ML-20M); 0.01 was chosen on validation users (five ML-latest-small
        splits +0.016 NDCG@100, five ML-100K splits −0.002, ML-1M S1 level,
        ML-1M T1's carve −0.003 / −0.001 at two seeds).
    encoder_passes : int, default=3
        Encoder passes per epoch (the authors' ``n_enc_epochs``).
    decoder_passes : int, default=1
        Decoder passes per epoch (``n_dec_epochs``).
    l2 : float, default=0.0
        Weight decay of both optimizers (none in the paper).
    lr : float, default=1e-3
        Learning rate of both optimizers. The authors' 5e-4 suits ML-20M's
        136k users (about 1,100 updates an epoch); 1e-3 was chosen on
        validation users of ML-1M, ML-100K and ML-latest-small (ML-1M S1:
        NDCG@100 0.420 by epoch 25 against 0.403 at epoch 18 with 5e-4;
        ML-latest-small: 0.3484 against 0.3487; ML-100K, 2e-3: 0.4783 against
        0.4734 with 5e-4).
    lr_decay : float, default=0.5
        Factor applied to both learning rates every ``lr_decay_every`` epochs.
    lr_decay_every : int or None, default=None
        Epochs between learning-rate decays; None keeps them constant.
    max_epochs : int, default=200
        Number of alternating rounds (encoder passes plus decoder passes).
    batch_size : int, default=500
        Users per mini-batch.
    optimizer : {'adam', 'adamw', 'sgd', 'adagrad', 'rmsprop'} or class, \
            default='adam'
        torch optimizer of the encoder and of the decoder (built-in names
        but 'rmsprop' take torch's fused step on CPU, Adam, AdamW and SGD also
        on CUDA).
    early_stopping : bool, default=True
        Keep the epoch with the best validation NDCG@100 (see above).
    validation_fraction : float, default=0.1
        Without ``X_val``: the share of training users whose random 20% of
        entries is held out for validation; they train on the other 80%.
    n_iter_no_change : int, default=15
        Epochs without improvement before stopping.
    device : {'cpu', 'cuda', 'auto'} or str, default='cpu'
        torch device.
    precision : {'auto', 'float32', 'bfloat16'}, default='auto'
        Arithmetic of the training steps' forward pass and loss:
        ``torch.autocast`` to bfloat16 or float32 (see :ref:`scale`); 'auto'
        takes bfloat16 where it measures 2× faster (the choice: ``precision_``).
    random_state : int, RandomState instance or None, default=None
        Seed of initialisation, dropout, sampling, shuffling and validation split.
    verbose : int, default=0
        0: silent; 1: skorch's epoch table; 2: also skorch's progress bar.
    callbacks : list of (str, skorch Callback) or None, default=None
        Extra skorch callbacks. An ``LRScheduler`` among them (or from
        ``lr_decay_every``) acts on the encoder's optimizer and a twin of it
        on the decoder's.

    Attributes
    ----------
    net_ : RecVAENet
        The trained skorch net (``net_.module_`` is a
        :class:`~sklearn_recae.nn.RecVAEModule`).
    precision_ : {'float32', 'bfloat16'}
        The arithmetic training ran in (``precision`` resolved).
    history_ : skorch.History
        Per-epoch losses and ``valid_ndcg``.
    n_features_in_ : int
        Number of items.

    See Also
    --------
    MultVAE : the VAE RecVAE builds on (standard normal prior, annealed β).

    Notes
    -----
    Differences from the authors' code, none of which changes a fitted model
    of theirs: rows without interactions normalise to zeros instead of NaN;
    the encoder's gradients are not computed in decoder passes (nor the
    decoder's in encoder passes), where the authors compute and discard them.
    Hugging Face ``accelerate`` is not supported (the two-optimizer step is
    the net's own).

    References
    ----------
    .. [1] I. Shenbin, A. Alekseev, E. Tutubalina, V. Malykh, S. I. Nikolenko.
       "RecVAE: A New Variational Autoencoder for Top-N Recommendations with
       Implicit Feedback." WSDM 2020. https://doi.org/10.1145/3336191.3371831

    Examples
    --------
    >>> from sklearn_recae import RecVAE
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=100, n_items=40, values="binary",
    ...                       random_state=0)
    >>> model = RecVAE(hidden_dim=16, latent_dim=4, max_epochs=2,
    ...                random_state=0).fit(X)
    >>> model.recommend(X[:2], k=3).shape, model.transform(X[:2]).shape
    ((2, 3), (2, 4))
    """

    _net_cls = RecVAENet
    _module_cls = RecVAEModule

    _parameter_constraints = {
        "hidden_dim": [Interval(Integral, 1, None, closed="left")],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "encoder_passes": [Interval(Integral, 1, None, closed="left")],
        "decoder_passes": [Interval(Integral, 1, None, closed="left")],
        "l2": [Interval(Real, 0, None, closed="left")],
        **{k: v for k, v in TORCH_PARAMETER_CONSTRAINTS.items() if k != "accelerator"},
    }

    def __init__(
        self,
        hidden_dim=600,
        *,
        latent_dim=200,
        dropout=0.6,
        gamma=0.01,
        encoder_passes=3,
        decoder_passes=1,
        l2=0.0,
        lr=1e-3,
        lr_decay=0.5,
        lr_decay_every=None,
        max_epochs=200,
        batch_size=500,
        optimizer="adam",
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=15,
        device="cpu",
        precision="auto",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        self.hidden_dim = hidden_dim
        self.latent_dim = latent_dim
        self.dropout = dropout
        self.gamma = gamma
        self.encoder_passes = encoder_passes
        self.decoder_passes = decoder_passes
        self.l2 = l2
        self.lr = lr
        self.lr_decay = lr_decay
        self.lr_decay_every = lr_decay_every
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    def _module_params(self, n_inputs):
        return {
            "n_items": n_inputs,
            "hidden_dim": self.hidden_dim,
            "latent_dim": self.latent_dim,
            "dropout": self.dropout,
        }

    def _net_params(self):
        return {
            "gamma": self.gamma,
            "encoder_passes": self.encoder_passes,
            "decoder_passes": self.decoder_passes,
        }

    def _plan_training(self, n_rows):
        # An epoch makes encoder_passes + decoder_passes passes over the rows:
        # plan ("auto" lengths, n_batches_) in updates, as many as that many
        # times the rows would give.
        passes = self.encoder_passes + self.decoder_passes
        batches = math.ceil(n_rows / self.batch_size)
        super()._plan_training(passes * batches * self.batch_size)

    def _net_cls_and_placement(self, device):
        return self._net_cls, {"device": device}

    def _callbacks(self):
        callbacks = super()._callbacks()
        twins = []
        for entry in callbacks:
            name, callback = entry if isinstance(entry, tuple) else (None, entry)
            if isinstance(callback, LRScheduler):
                name = name or type(callback).__name__
                twins.append((f"{name}_decoder", _DecoderLRScheduler.twin(callback)))
        return callbacks + twins

    def _encode(self, module, inputs):
        return module.encoder(inputs)[0]
