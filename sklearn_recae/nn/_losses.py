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
