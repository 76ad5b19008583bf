"""Every loss of the package, as pure functions on tensors (no sklearn, no skorch).

The nets' ``get_loss`` (``sklearn_recae._skorch``), the skorch criteria and the
modules that fit something at inference (CDAE's fold-in) compute their
objectives here and nowhere else: the squared errors of the rating models,
the multinomial likelihood and Gaussian KL of the VAEs, CDAE's weighted
entry loss, SVAE's next-k loss, RecVAE's composite-prior ELBO and ELSA's
normalised squared error.
"""

import math
import warnings

import torch
from torch.nn import functional as F

_EPS = 1e-12  # torch.nn.functional.normalize's default
_LOG_2PI = math.log(2.0 * math.pi)


def masked_squared_error(y_pred, y_true):
    """Squared errors at observed (non-zero) target entries, zero elsewhere.

    Parameters
    ----------
    y_pred : torch.Tensor of shape (n_rows, n_columns)
        Reconstruction.
    y_true : torch.Tensor of shape (n_rows, n_columns)
        Targets; zero means not observed, so it never contributes.

    Returns
    -------
    errors : torch.Tensor of shape (n_rows, n_columns)
        ``(y_pred - y_true)**2`` where ``y_true != 0``, else 0.
    """
    observed = y_true != 0
    return torch.where(observed, y_pred - y_true, 0.0).square()


def masked_mse(y_pred, y_true, reduction="observed"):
    """Masked mean squared error over observed target entries.

    Parameters
    ----------
    y_pred : torch.Tensor of shape (n_rows, n_columns)
        Reconstruction.
    y_true : torch.Tensor of shape (n_rows, n_columns)
        Targets; zero means not observed.
    reduction : {'observed', 'rows'}, default='observed'
        ``'observed'``: the sum of squared errors divided by the number of
        observed entries (DeepRec's MMSE); ``'rows'``: divided by the number of
        rows, i.e. the mean per-row sum (AutoRec's objective, eq. 2, per row).

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import masked_mse
    >>> y_true = torch.tensor([[4.0, 0.0], [0.0, 2.0]])
    >>> y_pred = torch.tensor([[5.0, 9.0], [7.0, 4.0]])
    >>> float(masked_mse(y_pred, y_true))  # (1 + 4) / 2 observed
    2.5
    >>> float(masked_mse(y_pred, y_true, reduction="rows"))  # (1 + 4) / 2 rows
    2.5
    """
    total = masked_squared_error(y_pred, y_true).sum()
    if reduction == "rows":
        return total / max(y_true.shape[0], 1)
    return total / (y_true != 0).sum().clamp_min(1)


class MaskedMSELoss(torch.nn.Module):
    """:func:`masked_mse` as a module, usable as a skorch ``criterion``.

    Parameters
    ----------
    reduction : {'observed', 'rows'}, default='observed'
        See :func:`masked_mse`.
    """

    def __init__(self, reduction="observed"):
        super().__init__()
        self.reduction = reduction

    def forward(self, y_pred, y_true):
        return masked_mse(y_pred, y_true, reduction=self.reduction)


def multinomial_nll(logits, y_true):
    """Multinomial negative log-likelihood, mean over rows (Liang et al. 2018, eq. 3).

    Parameters
    ----------
    logits : torch.Tensor of shape (n_rows, n_items)
        Unnormalised item scores.
    y_true : torch.Tensor of shape (n_rows, n_items)
        Interaction counts (or weights) per item.

    Returns
    -------
    loss : torch.Tensor
        ``-mean_u sum_i x_ui log softmax(logits_u)_i``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import multinomial_nll
    >>> logits = torch.log(torch.tensor([[0.5, 0.25, 0.25]]))
    >>> round(float(multinomial_nll(logits, torch.tensor([[1.0, 0.0, 1.0]]))), 4)
    2.0794
    """
    return -(torch.log_softmax(logits, dim=1) * y_true).sum(dim=1).mean()


def gaussian_kl(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, I)), summed over dimensions, mean over rows.

    Parameters
    ----------
    mu : torch.Tensor of shape (n_rows, latent_dim)
        Posterior means.
    logvar : torch.Tensor of shape (n_rows, latent_dim)
        Posterior log-variances.

    Returns
    -------
    kl : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import gaussian_kl
    >>> float(gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 3)))
    0.0
    >>> float(gaussian_kl(torch.ones(1, 2), torch.zeros(1, 2)))  # 0.5 * (1 + 1)
    1.0
    """
    return 0.5 * (logvar.exp() + mu.square() - 1.0 - logvar).sum(dim=1).mean()


def vae_loss(logits, y_true, mu, logvar, beta, variational=True):
    """Mult-VAE's negative ELBO with a KL weight (Liang et al. 2018, eq. 6).

    :func:`multinomial_nll` plus ``beta`` times :func:`gaussian_kl`; with
    ``variational=False`` (Mult-DAE) the likelihood alone.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_rows, n_items)
        Decoder outputs.
    y_true : torch.Tensor of shape (n_rows, n_items)
        Interaction counts (or weights) per item.
    mu, logvar : torch.Tensor of shape (n_rows, latent_dim)
        Posterior means and log-variances (ignored when not ``variational``).
    beta : float
        KL weight (annealed in training).
    variational : bool, default=True
        Add the KL term.

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import vae_loss
    >>> logits = torch.log(torch.tensor([[0.5, 0.25, 0.25]]))
    >>> y = torch.tensor([[1.0, 0.0, 1.0]])
    >>> mu, logvar = torch.ones(1, 2), torch.zeros(1, 2)  # KL = 1
    >>> round(float(vae_loss(logits, y, mu, logvar, beta=0.5)), 4)  # 2.0794 + 0.5
    2.5794
    """
    loss = multinomial_nll(logits, y_true)
    if variational:
        loss = loss + beta * gaussian_kl(mu, logvar)
    return loss


def negative_weights(y_true, negative_ratio, sample=True):
    """Entry weights of CDAE's loss: observed items plus sampled negatives.

    Each row keeps all its observed (non-zero) items and, among its unobserved
    items, about ``negative_ratio`` times as many negatives as it has
    positives (Wu et al. 2016, section 4.3): every unobserved item is drawn
    independently with probability ``min(1, ratio * n_pos / n_unobserved)``,
    so negatives never include an observed item. ``sample=False`` returns
    that probability as the weight instead (the expectation of the sample).

    Parameters
    ----------
    y_true : torch.Tensor of shape (n_rows, n_items)
        Interactions; non-zero means observed.
    negative_ratio : float or None
        Negatives per positive; None weights every unobserved item by 1.
    sample : bool, default=True
        Draw the negatives (training) or return their expected weights.

    Returns
    -------
    weights : torch.Tensor of shape (n_rows, n_items)
        1 for observed items; 1 or 0 (sampled) or the probability for the others.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import negative_weights
    >>> negative_weights(torch.tensor([[1.0, 0.0, 0.0]]), 1.0, sample=False)
    tensor([[1.0000, 0.5000, 0.5000]])
    """
    positive = y_true != 0
    if negative_ratio is None:
        return torch.ones_like(y_true)
    n_positive = positive.sum(dim=1, keepdim=True)
    n_unobserved = (y_true.shape[1] - n_positive).clamp(min=1)
    probability = (negative_ratio * n_positive / n_unobserved).clamp(max=1.0)
    if sample:
        drawn = torch.rand(y_true.shape, device=y_true.device) < probability
        negatives = drawn.to(y_true.dtype)
    else:
        negatives = probability.to(y_true.dtype).expand_as(y_true)
    return torch.where(positive, torch.ones_like(y_true), negatives)


def weighted_entry_loss(logits, y_true, weights, loss="logistic"):
    """CDAE's loss: weighted per-entry loss, summed over items, mean over rows.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_rows, n_items)
        Network outputs before the output function.
    y_true : torch.Tensor of shape (n_rows, n_items)
        Interactions; targets are ``y_true != 0``.
    weights : torch.Tensor of shape (n_rows, n_items)
        Entry weights, e.g. from :func:`negative_weights`.
    loss : {'logistic', 'squared'}, default='logistic'
        ``'logistic'``: cross-entropy of ``sigmoid(logits)``; ``'squared'``:
        squared error of the identity output (Wu et al. 2016, section 4.2).

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import weighted_entry_loss
    >>> y = torch.tensor([[1.0, 0.0]])
    >>> float(weighted_entry_loss(torch.zeros(1, 2), y, torch.ones(1, 2), "squared"))
    1.0
    """
    target = (y_true != 0).to(logits.dtype)
    if loss == "logistic":
        entries = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, target, reduction="none"
        )
    elif loss == "squared":
        entries = (logits - target).square()
    else:
        raise ValueError(f"loss must be 'logistic' or 'squared', got {loss!r}.")
    return (entries * weights).sum(dim=1).mean()


def cdae_loss(logits, y_true, negative_ratio, loss="logistic", sample=True):
    """CDAE's training objective: observed items plus sampled negatives.

    :func:`weighted_entry_loss` with the weights of :func:`negative_weights`
    (drawn with ``sample=True``, as in training; their expectation otherwise,
    as for validation).

    Parameters
    ----------
    logits : torch.Tensor of shape (n_rows, n_items)
        Network outputs before the output function.
    y_true : torch.Tensor of shape (n_rows, n_items)
        Interactions; non-zero means observed.
    negative_ratio : float or None
        Negatives per positive; None weights every unobserved item by 1.
    loss : {'logistic', 'squared'}, default='logistic'
        Per-entry loss.
    sample : bool, default=True
        Draw the negatives or use their expected weights.

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import cdae_loss
    >>> y = torch.tensor([[1.0, 0.0, 0.0]])  # weights 1, 0.5, 0.5
    >>> float(cdae_loss(torch.zeros(1, 3), y, 1.0, "squared", sample=False))
    1.0
    """
    weights = negative_weights(y_true, negative_ratio, sample=sample)
    return weighted_entry_loss(logits, y_true, weights, loss)


def next_k_nll(logits, items, k=4):
    """SVAE's next-k loss: each step predicts the user's next ``k`` items.

    Mean over the steps that have a next item of
    ``-sum_{j=1..k} log softmax(logits_t)[item_{t+j}]`` (Sachdeva et al. 2019,
    section 3.3); ``k=1`` is the next-item loss. Padding (item 0) never counts,
    as a step or as a target.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_rows, n_steps, n_items)
        Scores after each step.
    items : torch.Tensor of shape (n_rows, n_steps)
        Item ids plus one, 0 for padding after a row's last event.
    k : int, default=4
        Number of next items each step predicts.

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import next_k_nll
    >>> logits = torch.zeros(1, 3, 4)  # uniform over 4 items
    >>> items = torch.tensor([[1, 2, 0]])  # one step has a next item
    >>> round(float(next_k_nll(logits, items, k=2)), 4)  # log(4)
    1.3863
    """
    n_steps = items.shape[1]
    n_predicting = (items[:, 1:] > 0).sum().clamp(min=1)
    k = min(k, n_steps - 1)
    if k < 1:  # no step has a next item
        return logits.sum() * 0.0
    targets = _next_items(items, k)
    counted = targets > 0
    # -log softmax(l)[i] = logsumexp(l) - l[i]: one pass over the logits for
    # the normaliser and one gather of every step's k targets
    normaliser = torch.logsumexp(logits, dim=-1)
    picked = logits.gather(2, (targets - 1).clamp(min=0))
    total = (normaliser * counted.sum(dim=2)).sum() - (picked * counted).sum()
    return total / n_predicting


def linear_next_k_nll(hidden, weight, bias, items, k=4, *, dtype=None):
    """:func:`next_k_nll` of a linear output layer, fused with its softmax.

    Equals ``next_k_nll(F.linear(hidden, weight, bias), items, k)`` with its
    gradients, but the logits over all items are made and differentiated a
    block of steps at a time (each step's gradient ``c_t softmax - targets`` in
    closed form), so no tensor of every step's logits is ever held: the
    softmax passes stay in cache and the cost is the three products. Steps
    without a next item (the last and padding) are never scored.

    Parameters
    ----------
    hidden : torch.Tensor of shape (n_rows, n_steps, n_hidden)
        Inputs of the output layer after each step.
    weight : torch.Tensor of shape (n_items, n_hidden)
        The output layer's weight.
    bias : torch.Tensor of shape (n_items,)
        The output layer's bias.
    items : torch.Tensor of shape (n_rows, n_steps)
        Item ids plus one, 0 for padding after a row's last event.
    k : int, default=4
        Number of next items each step predicts.
    dtype : torch.dtype or None, default=None
        Arithmetic of the products (e.g. ``torch.bfloat16``, as under
        autocast); the softmax and every sum stay float32. None: ``hidden``'s.

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import linear_next_k_nll
    >>> hidden = torch.zeros(1, 3, 2)  # uniform over 4 items
    >>> weight, bias = torch.ones(4, 2), torch.zeros(4)
    >>> items = torch.tensor([[1, 2, 0]])  # one step has a next item
    >>> round(float(linear_next_k_nll(hidden, weight, bias, items, k=2)), 4)
    1.3863
    """
    n_predicting = (items[:, 1:] > 0).sum().clamp(min=1)
    k = min(k, items.shape[1] - 1)
    if k < 1:  # no step has a next item
        return (hidden.sum() + weight.sum() + bias.sum()) * 0.0
    targets = _next_items(items, k)
    predicting = targets[..., 0] > 0
    total = _LinearNextKNLL.apply(
        hidden[predicting], weight, bias, targets[predicting], dtype or hidden.dtype
    )
    return total / n_predicting


_FUSED_BLOCK_ELEMENTS = 1 << 20  # logits per block (4 MiB in float32)


class _LinearNextKNLL(torch.autograd.Function):
    """Sum over steps of ``-sum_j log softmax(h W^T + b)[target_j]``; the
    gradients are made block by block in the forward pass and scaled in
    the backward."""

    @staticmethod
    def forward(ctx, hidden, weight, bias, targets, dtype):
        with torch.autocast(hidden.device.type, enabled=False):
            total, *grads = _fused_next_k_nll(hidden, weight, bias, targets, dtype)
        ctx.save_for_backward(*grads)
        return total

    @staticmethod
    def backward(ctx, grad_total):
        return (*(grad * grad_total for grad in ctx.saved_tensors), None, None)


def _fused_next_k_nll(hidden, weight, bias, targets, dtype):
    """The summed loss and its gradients in ``hidden``, ``weight``, ``bias``."""
    accumulate = torch.promote_types(hidden.dtype, torch.float32)
    counted = (targets > 0).to(accumulate)
    columns = (targets - 1).clamp(min=0)
    n_counted = counted.sum(dim=1, keepdim=True)
    weight_p = weight.to(dtype)
    bias_p = bias.to(dtype)
    total = hidden.new_zeros((), dtype=accumulate)
    grad_hidden = torch.empty_like(hidden, dtype=accumulate)
    grad_weight = torch.zeros_like(weight, dtype=accumulate)
    grad_bias = torch.zeros_like(bias, dtype=accumulate)
    block = max(1, _FUSED_BLOCK_ELEMENTS // max(1, weight.shape[0]))
    for start in range(0, hidden.shape[0], block):
        rows = slice(start, start + block)
        hidden_p = hidden[rows].to(dtype)
        logits = torch.addmm(bias_p, hidden_p, weight_p.t()).to(accumulate)
        picked = logits.gather(1, columns[rows]) * counted[rows]
        largest = logits.amax(dim=1, keepdim=True)
        exps = logits.sub_(largest).exp_()  # in place: one buffer per block
        sums = exps.sum(dim=1, keepdim=True)
        normaliser = sums.log().add_(largest)
        total += (normaliser * n_counted[rows]).sum() - picked.sum()
        grad_logits = exps.mul_(n_counted[rows] / sums)
        grad_logits.scatter_add_(1, columns[rows], -counted[rows])
        grad_p = grad_logits.to(dtype)
        grad_hidden[rows] = (grad_p @ weight_p).to(accumulate)
        grad_weight += (grad_p.t() @ hidden_p).to(accumulate)
        grad_bias += grad_logits.sum(dim=0)
    return (
        total,
        grad_hidden.to(hidden.dtype),
        grad_weight.to(weight.dtype),
        grad_bias.to(bias.dtype),
    )


def _next_items(items, k):
    """``(n_rows, n_steps, k)``: the ``j``-th item after each step (0 past the end)."""
    padded = torch.nn.functional.pad(items, (0, k))
    n_steps = items.shape[1]
    return torch.stack([padded[:, j : j + n_steps] for j in range(1, k + 1)], dim=2)


def svae_loss(logits, items, mu, logvar, beta, k=4):
    """SVAE's training objective: next-k loss plus β times the steps' KL.

    :func:`next_k_nll` of every step's logits plus ``beta`` times the mean,
    over the steps that have a next item, of the KL of that step's posterior
    to N(0, I) (Sachdeva et al. 2019, eq. 5).

    Parameters
    ----------
    logits : torch.Tensor of shape (n_rows, n_steps, n_items)
        Scores after each step.
    items : torch.Tensor of shape (n_rows, n_steps)
        Item ids plus one, 0 for padding after a row's last event.
    mu, logvar : torch.Tensor of shape (n_rows, n_steps, latent_dim)
        Posterior means and log-variances after each step.
    beta : float
        KL weight (annealed in training).
    k : int, default=4
        Number of next items each step predicts.

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import svae_loss
    >>> logits = torch.zeros(1, 3, 4)  # uniform over 4 items
    >>> items = torch.tensor([[1, 2, 0]])  # one step has a next item
    >>> mu, logvar = torch.ones(1, 3, 2), torch.zeros(1, 3, 2)  # KL = 1 per step
    >>> round(float(svae_loss(logits, items, mu, logvar, beta=0.5, k=2)), 4)
    1.8863
    """
    return next_k_nll(logits, items, k) + beta * _steps_kl(items, mu, logvar)


def _steps_kl(items, mu, logvar):
    """Mean KL to N(0, I) of the posteriors of the steps that have a next item.

    Parameters
    ----------
    items : torch.Tensor of shape (n_rows, n_steps)
        Item ids plus one, 0 for padding after a row's last event.
    mu, logvar : torch.Tensor of shape (n_rows, n_steps, latent_dim)
        Posterior means and log-variances after each step.

    Returns
    -------
    kl : torch.Tensor
        A scalar.
    """
    predicting = items[:, 1:] > 0
    kl = 0.5 * (mu.square() + logvar.exp() - 1.0 - logvar).sum(dim=-1)
    return (kl[:, :-1] * predicting).sum() / predicting.sum().clamp(min=1)


def log_normal_pdf(z, mu, logvar):
    """Element-wise log-density of ``N(mu, exp(logvar))`` at ``z``.

    Parameters
    ----------
    z, mu, logvar : torch.Tensor
        Broadcastable tensors.

    Returns
    -------
    log_density : torch.Tensor
        ``-(logvar + log 2π + (z - mu)² / exp(logvar)) / 2``, not summed.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import log_normal_pdf
    >>> round(float(log_normal_pdf(torch.tensor(0.0), 0.0, torch.tensor(0.0))), 4)
    -0.9189
    """
    return -0.5 * (logvar + _LOG_2PI + (z - mu).square() / logvar.exp())


def recvae_loss(logits, y_true, mu, logvar, z, log_prior, kl_weight):
    """RecVAE's negative ELBO, mean over rows (Shenbin et al. 2020, eq. 4 and 7).

    .. math::

        -\\frac{1}{|B|}\\sum_u \\Big[\\sum_i x_{ui} \\log \\pi_i(z_u)
        - \\beta_u \\big(\\log q(z_u \\mid x_u) - \\log p(z_u \\mid
        \\phi_{old}, x_u)\\big)\\Big]

    with the KL term estimated by the single sample ``z`` (the authors' code)
    and summed over latent dimensions.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_rows, n_items)
        Decoder outputs.
    y_true : torch.Tensor of shape (n_rows, n_items)
        Interaction counts (the multinomial's targets).
    mu, logvar, z : torch.Tensor of shape (n_rows, latent_dim)
        Posterior parameters and the code drawn from them.
    log_prior : torch.Tensor of shape (n_rows, latent_dim)
        The prior's log-density at ``z`` (:class:`CompositePrior`).
    kl_weight : torch.Tensor of shape (n_rows,) or float
        β per row; RecVAE uses ``β_u = γ |x_u|``.

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import math
    >>> import torch
    >>> from sklearn_recae.nn import recvae_loss
    >>> zeros = torch.zeros(1, 2)
    >>> logits = torch.log(torch.tensor([[0.5, 0.25, 0.25]]))
    >>> y = torch.tensor([[1.0, 0.0, 1.0]])
    >>> round(float(recvae_loss(logits, y, zeros, zeros, zeros,
    ...                         -0.5 * math.log(2 * math.pi) + zeros, 1.0)), 4)
    2.0794
    """
    nll = -(torch.log_softmax(logits, dim=-1) * y_true).sum(dim=-1)
    kl = (log_normal_pdf(z, mu, logvar) - log_prior).sum(dim=-1)
    return (nll + kl_weight * kl).mean()


def sparse_rows(x):
    """``(indices, offsets, values, n_rows)`` of a batch of rows.

    ``x`` is a torch sparse CSR tensor (what :class:`ELSAModule` is fed) or a
    dense 2-D tensor (converted, for small inputs and tests).
    """
    if x.layout != torch.sparse_csr:
        x = x.to_sparse_csr()
    return x.col_indices(), x.crow_indices(), x.values(), x.shape[0]


def elsa_loss(factors, x):
    """ELSA's normalised squared error, from the sparse rows and ``AᵀA`` only.

    For each row ``x`` with reconstruction ``p = x A Aᵀ - x`` the loss is
    (the paper's eq. 3 and the authors' ``NMSELoss``, summed over items)

    .. math::

        \\ell(x) = \\Big\\| \\frac{p}{\\|p\\|} - \\frac{x}{\\|x\\|} \\Big\\|^2
        = 2 - 2 \\cos(p, x),

    averaged over the rows of the batch. With ``z = x A`` and ``G = AᵀA``
    (r × r), ``‖x‖²`` is the sum of the squared values, ``p·x = ‖z‖² - ‖x‖²``
    and ``‖p‖² = z G zᵀ - 2‖z‖² + ‖x‖²``, so no (n_rows, n_items) block is
    formed: the cost is O(nnz r) for ``z``, O(n r²) for ``z G`` and O(I r²)
    for ``G``, gradients included. Norms are clamped at 1e-12 as
    :func:`torch.nn.functional.normalize` does, so empty rows give 0.

    Parameters
    ----------
    factors : torch.Tensor of shape (n_items, r)
        Item factors ``A`` (unit-norm rows for ELSA; any matrix works).
    x : torch.Tensor of shape (n_rows, n_items)
        A batch of rows, sparse CSR (or dense).

    Returns
    -------
    loss : torch.Tensor
        A scalar: the mean of ``ℓ`` over the rows.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import elsa_dense_loss, elsa_loss
    >>> factors = torch.nn.functional.normalize(torch.randn(6, 2), dim=-1)
    >>> x = torch.tensor([[1.0, 0, 1, 0, 0, 1], [0, 1, 0, 0, 0, 0]])
    >>> bool(torch.isclose(elsa_loss(factors, x.to_sparse_csr()),
    ...                    elsa_dense_loss(factors, x)))
    True
    """
    indices, offsets, values, rows, xx = _row_terms(x, factors.dtype)
    z = F.embedding_bag(
        indices,
        factors,
        offsets,
        mode="sum",
        per_sample_weights=values,
        include_last_offset=True,
    )
    return _loss_from_codes(z, factors.T @ factors, xx)


def _row_terms(x, dtype):
    """Long indices and offsets, values, each entry's row, and ``‖x‖²``."""
    indices, offsets, values, n_rows = sparse_rows(x)
    values = values.to(dtype)
    offsets = offsets.long()
    rows = torch.repeat_interleave(
        torch.arange(n_rows, device=values.device), offsets[1:] - offsets[:-1]
    )
    xx = torch.zeros(n_rows, dtype=dtype, device=values.device).index_add_(
        0, rows, values.square()
    )
    return indices.long(), offsets, values, rows, xx


def _loss_from_codes(z, gram, xx):
    """Mean over rows of ``‖p/‖p‖ - x/‖x‖‖²`` from ``z = xA``, ``G = AᵀA``, ``‖x‖²``."""
    zz = z.square().sum(dim=1)
    zgz = ((z @ gram) * z).sum(dim=1)
    pp = (zgz - 2.0 * zz + xx).clamp_min(0.0)
    px = zz - xx
    # max(‖v‖, eps) with a zero (not NaN) gradient below eps
    norm_p = pp.clamp_min(_EPS**2).sqrt()
    norm_x = xx.clamp_min(_EPS**2).sqrt()
    per_row = pp / norm_p**2 + xx / norm_x**2 - 2.0 * px / (norm_p * norm_x)
    return per_row.mean()


class _NormalizedELSALoss(torch.autograd.Function):
    """:func:`elsa_loss` of ``normalize(weight)`` with a hand-written backward.

    Autograd on the same expression keeps about eight (n_items, r)
    temporaries and runs a dozen passes over them; here the gradient is

    .. math::

        \\nabla_A = A (\\nabla_G + \\nabla_G^\\top) + X_b^\\top \\nabla_z,
        \\qquad
        \\nabla_W = \\big(\\nabla_A - A \\operatorname{diag}(\\nabla_A A^\\top)
        \\big) / \\|W\\|_{\\text{rows}}

    with ``∇_z`` and ``∇_G`` (small: n × r and r × r) from autograd on the
    loss's row terms; the (n_items, r) work is two matrix products (one
    sparse: the batch's transpose times ``∇_z``) and three in-place passes. Rows of
    ``weight`` with norm below 1e-12 are treated as if above it (their
    gradient then differs from autograd's clamp; they do not occur in
    training, where rows start from Xavier's initialisation).
    """

    @staticmethod
    def forward(ctx, weight, x):
        indices, offsets, values, rows, xx = _row_terms(x, weight.dtype)
        norms = torch.linalg.vector_norm(weight, dim=1, keepdim=True).clamp_min_(_EPS)
        factors = weight / norms
        z = F.embedding_bag(
            indices,
            factors,
            offsets,
            mode="sum",
            per_sample_weights=values,
            include_last_offset=True,
        )
        gram = factors.T @ factors
        with torch.enable_grad():
            z = z.detach().requires_grad_()
            gram = gram.detach().requires_grad_()
            loss = _loss_from_codes(z, gram, xx)
            grad_z, grad_gram = torch.autograd.grad(loss, (z, gram))
        ctx.save_for_backward(factors, norms, grad_z, grad_gram, indices, values, rows)
        return loss.detach()

    @staticmethod
    def backward(ctx, grad_loss):
        factors, norms, grad_z, grad_gram, indices, values, rows = ctx.saved_tensors
        transposed = _transpose(indices, values, rows, factors.shape[0], len(grad_z))
        grad = torch.sparse.mm(transposed, grad_z)  # X_bᵀ ∇_z
        grad.addmm_(factors, grad_gram + grad_gram.T)
        radial = (grad * factors).sum(dim=1, keepdim=True)
        grad.addcmul_(factors, radial, value=-1.0).div_(norms)
        return grad.mul_(grad_loss), None


def _transpose(indices, values, rows, n_columns, n_rows):
    """The CSR tensor of a batch's transpose (a counting sort by column)."""
    order = torch.argsort(indices, stable=True)
    offsets = torch.zeros(n_columns + 1, dtype=torch.long, device=indices.device)
    torch.cumsum(torch.bincount(indices, minlength=n_columns), 0, out=offsets[1:])
    with warnings.catch_warnings():  # "Sparse CSR tensor support is in beta state"
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(
            offsets, rows[order], values[order], (n_columns, n_rows)
        )


def normalized_elsa_loss(weight, x):
    """:func:`elsa_loss` of ``A = normalize(weight)`` with a lean backward pass.

    Same value and gradient as ``elsa_loss(F.normalize(weight, dim=-1), x)``
    (to float precision), with two (n_items, r) temporaries instead of about
    eight: what ELSA trains with.

    Parameters
    ----------
    weight : torch.Tensor of shape (n_items, r)
        Unnormalised item weights ``W``.
    x : torch.Tensor of shape (n_rows, n_items)
        A batch of rows, sparse CSR (or dense).

    Returns
    -------
    loss : torch.Tensor
        A scalar.
    """
    return _NormalizedELSALoss.apply(weight, x)


def elsa_dense_loss(factors, x):
    """The same loss as :func:`elsa_loss` from the dense reconstruction.

    O(n_rows × n_items) memory: the oracle for tests and small batches.

    Parameters
    ----------
    factors : torch.Tensor of shape (n_items, r)
        Item factors ``A``.
    x : torch.Tensor of shape (n_rows, n_items)
        Dense rows.

    Returns
    -------
    loss : torch.Tensor
        ``mean_rows ‖normalize(x A Aᵀ - x) - normalize(x)‖²``.
    """
    p = x @ factors @ factors.T - x
    diff = F.normalize(p, dim=-1, eps=_EPS) - F.normalize(x, dim=-1, eps=_EPS)
    return diff.square().sum(dim=1).mean()


def elsa_target_loss(scores, y_true):
    """ELSA's normalised squared error of dense scores against other targets.

    The validation loss: ``mean_rows ‖normalize(scores) - normalize(y)‖²``
    with ``y`` the users' held-out items (sparse CSR or dense).

    Parameters
    ----------
    scores : torch.Tensor of shape (n_rows, n_items)
        Dense reconstructions ``x A Aᵀ - x``.
    y_true : torch.Tensor of shape (n_rows, n_items)
        Targets (sparse CSR or dense).

    Returns
    -------
    loss : torch.Tensor
        A scalar.
    """
    if y_true.layout != torch.strided:
        y_true = y_true.to_dense()
    diff = F.normalize(scores, dim=-1, eps=_EPS) - F.normalize(
        y_true.to(scores.dtype), dim=-1, eps=_EPS
    )
    return diff.square().sum(dim=1).mean()
