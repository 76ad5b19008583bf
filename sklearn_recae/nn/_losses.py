"""Loss functions as pure functions on tensors (no sklearn, no skorch)."""

import torch


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
    log_probs = torch.log_softmax(logits, dim=-1)
    n_steps = items.shape[1]
    total = log_probs.new_zeros(())
    for offset in range(1, min(k, n_steps - 1) + 1):
        target = items[:, offset:]
        picked = log_probs[:, : n_steps - offset].gather(
            2, (target - 1).clamp(min=0).unsqueeze(2)
        )
        total = total - (picked.squeeze(2) * (target > 0)).sum()
    n_predicting = (items[:, 1:] > 0).sum().clamp(min=1)
    return total / n_predicting
