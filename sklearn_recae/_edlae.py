"""EDLAE, DLAE and RDLAE: dropout-penalised linear autoencoders, closed form.

Steck (NeurIPS 2020) and Moon et al. (SIGIR 2023). The solve (Gram matrix,
float32 Cholesky inverse, GPU with CPU fallback, memory checks) and ``predict``
are EASE's, from :mod:`sklearn_recae._ease`.
"""

from numbers import Real

import numpy as np

from ._ease import _ClosedFormItemItem, _weights_from_inverse
from .utils._validation import Interval, StrOptions, _fit_context


def _weights_from_scaled_inverse(inverse, scale, diagonal):
    """B = I - P diagMat(scale) in place, with ``diagonal`` as diag(B)."""
    inverse *= -scale.astype(np.float32)
    np.fill_diagonal(inverse, diagonal)
    return inverse


def _free_diagonal_weights(inverse, penalty):
    """DLAE: B = (X'X + Lambda)^-1 X'X = I - P Lambda (Steck 2020, Sec. 2)."""
    diagonal = 1.0 - inverse.diagonal().astype(np.float64) * penalty
    return _weights_from_scaled_inverse(inverse, penalty, diagonal)


def _bounded_diagonal_weights(inverse, penalty, max_diagonal):
    """RDLAE: B = I - P diagMat(Lambda + mu), diag(B) <= xi (Moon et al. 2023).

    The KKT conditions of the inequality-constrained problem give, for each
    item j, ``mu_j = (1 - xi) / P_jj - Lambda_jj`` where the free solution's
    diagonal ``1 - P_jj Lambda_jj`` exceeds ``xi`` (the bound binds, and
    ``B_jj = xi``), and ``mu_j = 0`` elsewhere.
    """
    p_diagonal = inverse.diagonal().astype(np.float64)
    free = 1.0 - p_diagonal * penalty
    binds = free > max_diagonal
    scale = np.where(binds, (1.0 - max_diagonal) / p_diagonal, penalty)
    diagonal = np.where(binds, max_diagonal, free)
    return _weights_from_scaled_inverse(inverse, scale, diagonal)


class EDLAE(_ClosedFormItemItem):
    """Emphasized denoising linear autoencoder (EDLAE) and its relatives.

    A full-rank linear autoencoder trained with dropout: Steck (2020) shows
    that dropout of probability :math:`p` on the input of a linear
    autoencoder acts as the item-wise L2 penalty

    .. math::

        \\Lambda = \\lambda I + \\tfrac{p}{1-p}
        \\operatorname{diagMat}(\\operatorname{diag}(X^\\top X)),

    and solves, in closed form, the objective

    .. math::

        \\min_B \\|X - XB\\|_F^2 + \\|\\Lambda^{1/2} B\\|_F^2

    under three treatments of the diagonal of :math:`B`, the ``diagonal``
    parameter. With :math:`P = (X^\\top X + \\Lambda)^{-1}`:

    - ``'zero'`` — EDLAE, full emphasis on the dropped-out items (Steck
      2020, eqs. 8 and 9): :math:`\\operatorname{diag}(B) = 0` and
      :math:`B = I - P \\operatorname{diagMat}(1 \\oslash
      \\operatorname{diag} P)`. This is EASE's solve with the penalty
      :math:`\\Lambda`; ``dropout=0`` gives :class:`EASE` exactly.
    - ``'free'`` — DLAE, plain dropout (Steck 2020, Sec. 2): no constraint,
      :math:`B = (X^\\top X + \\Lambda)^{-1} X^\\top X = I - P \\Lambda`.
    - ``'bounded'`` — RDLAE (Moon et al. 2023): the relaxed constraint
      :math:`\\operatorname{diag}(B) \\le \\xi` (``max_diagonal``), whose
      solution is :math:`B = I - P \\operatorname{diagMat}(\\Lambda_{jj} +
      \\mu_j)` with :math:`\\mu_j = (1 - \\xi) / P_{jj} - \\Lambda_{jj}`
      where the unconstrained diagonal :math:`1 - P_{jj} \\Lambda_{jj}`
      exceeds :math:`\\xi` (there :math:`B_{jj} = \\xi`), else
      :math:`\\mu_j = 0`. :math:`\\xi = 0` gives EDLAE, :math:`\\xi = 1`
      DLAE (the unconstrained diagonal lies in :math:`[0, 1)`).

    Scores for a user are ``x @ B``, so new users are scored from their
    observed items (inductive). With a non-zero diagonal, ``predict`` also
    scores a user's own items by ``x_j B_jj``; this changes no ranking of
    unseen items, and ``recommend`` and the package's scorers exclude seen
    items.

    Fitting costs what :class:`EASE` costs: one dense float32 n_items ×
    n_items Gram matrix, inverted in place by a Cholesky factorisation
    (LAPACK, or torch on a GPU); memory is estimated before anything is
    allocated. Values of ``X`` are used as given; binarize first for the
    papers' binary setting.

    Parameters
    ----------
    l2 : float, default=200.0
        The ridge part λ of the penalty (``L2const`` in Steck's code,
        ``reg_p`` in Moon et al.'s). Steck's full-rank settings: 300
        (ML-20M), 500 (Netflix), 70 (MSD).
    dropout : float in [0, 1), default=0.5
        The dropout probability :math:`p`, which adds :math:`p/(1-p)` times
        each item's :math:`(X^\\top X)_{jj}` (its squared column norm, the
        item's popularity on binary data) to its penalty. Steck's full-rank
        settings: 0.33 (ML-20M, Netflix), 0.25 (MSD). The defaults
        (``l2=200``, ``dropout=0.5``) come within 0.9% of the best
        validation NDCG@100 of the grid on each of ML-1M, ML-100K and
        ML-latest-small (S1 validation users; ``benchmarks/bench_edlae.py``).
    diagonal : {'zero', 'free', 'bounded'}, default='zero'
        The constraint on diag(B): zero (EDLAE), none (DLAE), or at most
        ``max_diagonal`` (RDLAE).
    max_diagonal : float in [0, 1], default=0.1
        The bound ξ on diag(B). Only used when ``diagonal='bounded'``.
        Moon et al.'s ML-20M setting: 0.6 (with ``l2=1000``, ``dropout=0.2``).
    device : {'cpu', 'cuda', 'auto'} or str, default='cpu'
        Where the inverse is computed: LAPACK on the CPU, or torch on a CUDA
        device (``'auto'`` takes CUDA when available). ``B`` is stored on the
        CPU either way. When the GPU has too little free memory, the solve
        runs on the CPU with a :class:`~sklearn_recae.exceptions.RecaeWarning`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_items, n_items)
        The item-item weights ``B`` (float32); its diagonal is zero for
        ``diagonal='zero'``.
    n_features_in_ : int
        Number of items seen during fit.

    See Also
    --------
    EASE : The zero-diagonal model with the ridge penalty only (``dropout=0``).

    References
    ----------
    .. [1] H. Steck. "Autoencoders that don't overfit towards the Identity."
       Advances in Neural Information Processing Systems 33 (NeurIPS), 2020.
       https://proceedings.neurips.cc/paper/2020/hash/e33d974aae13e4d877477d51d8bafdc4-Abstract.html
    .. [2] J. Moon, H. Kim and J. Lee. "It's Enough: Relaxing Diagonal
       Constraints in Linear Autoencoders for Recommendation." SIGIR, 2023.
       https://doi.org/10.1145/3539618.3591704

    Examples
    --------
    >>> from sklearn_recae import EDLAE
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=100, n_items=40, random_state=0)
    >>> model = EDLAE(l2=10.0, dropout=0.25).fit(X)
    >>> model.recommend(X[:2], k=3).shape
    (2, 3)
    >>> rdlae = EDLAE(l2=10.0, diagonal="bounded", max_diagonal=0.2).fit(X)
    >>> bool(rdlae.coef_.diagonal().max() <= 0.2)
    True
    """

    _parameter_constraints = {
        "l2": [Interval(Real, 0, None, closed="neither")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "diagonal": [StrOptions({"zero", "free", "bounded"})],
        "max_diagonal": [Interval(Real, 0, 1, closed="both")],
        "device": [StrOptions({"cpu", "cuda", "auto"}), str],
    }

    def __init__(
        self,
        l2=200.0,
        *,
        dropout=0.5,
        diagonal="zero",
        max_diagonal=0.1,
        device="cpu",
    ):
        self.l2 = l2
        self.dropout = dropout
        self.diagonal = diagonal
        self.max_diagonal = max_diagonal
        self.device = device

    def _extra_penalty(self, gram_diagonal):
        if self.dropout == 0:
            return None
        return self.dropout / (1.0 - self.dropout) * gram_diagonal

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute the item-item weights from the interactions ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Interactions (non-negative).
        y : None
            Ignored; present for scikit-learn API consistency.

        Returns
        -------
        self : EDLAE
            The fitted estimator.
        """
        X = self._validate(X, reset=True)
        inverse, penalty = self._penalized_inverse(X)
        if self.diagonal == "zero":
            self.coef_ = _weights_from_inverse(inverse)
        elif self.diagonal == "free":
            self.coef_ = _free_diagonal_weights(inverse, penalty)
        else:
            self.coef_ = _bounded_diagonal_weights(
                inverse, penalty, float(self.max_diagonal)
            )
        return self
