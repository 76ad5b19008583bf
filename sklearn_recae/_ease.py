"""EASE: Embarrassingly Shallow Autoencoder (Steck 2019), closed form."""

import warnings
from numbers import Real

import numpy as np
from scipy.linalg import blas, lapack
from sklearn.base import BaseEstimator
from sklearn.utils import gen_batches
from sklearn.utils.validation import check_is_fitted

from .base import RecommenderMixin
from .exceptions import RecaeWarning
from .utils._device import resolve_device
from .utils._memory import check_memory, format_bytes
from .utils._validation import Interval, StrOptions, _fit_context

_GRAM_BLOCK_ROWS = 2048
# Measured on 2 cores (MACHINE.md): a dense syrk pass does ~69e9 user-item-item
# multiply-adds per second, scipy's sparse X.T @ X ~0.6e9 co-occurrence pairs.
_DENSE_OVER_SPARSE_SPEED = 115.0
_FLOAT32 = 4
_GPU_SOLVE_COPIES = 3  # the matrix, its Cholesky factor and the inverse


def _gram_dense_blocks(X):
    """Lower-in-Fortran (upper-in-C) triangle of X.T @ X by BLAS syrk on row blocks."""
    n_items = X.shape[1]
    gram = np.zeros((n_items, n_items), dtype=np.float32)
    for rows in gen_batches(X.shape[0], _GRAM_BLOCK_ROWS):
        block = X[rows].toarray()
        blas.ssyrk(1.0, block.T, beta=1.0, c=gram.T, trans=0, lower=1, overwrite_c=1)
    return gram


def _gram_sparse(X):
    return (X.T @ X).toarray(order="C").astype(np.float32, copy=False)


def _prefer_dense_gram(X):
    n_users, n_items = X.shape
    pairs = float(np.square(np.diff(X.indptr).astype(np.float64)).sum())
    return n_users * n_items**2 / 2 < _DENSE_OVER_SPARSE_SPEED * pairs


def gram_matrix(X):
    """Dense float32 ``X.T @ X`` of CSR ``X``; only its upper triangle (C order)
    is guaranteed, which is all a Cholesky solve reads."""
    return _gram_dense_blocks(X) if _prefer_dense_gram(X) else _gram_sparse(X)


def _symmetrize_from_upper(a):
    for rows in gen_batches(a.shape[0], 1024):
        a[rows.stop :, rows] = a[rows, rows.stop :].T
        diagonal_block = a[rows, rows]
        lower = np.tril_indices(diagonal_block.shape[0], -1)
        diagonal_block[lower] = diagonal_block.T[lower]


def _inverse_lapack(gram):
    """In-place float32 Cholesky inverse (LAPACK potrf + potri)."""
    gram = np.ascontiguousarray(gram)
    factor, info = lapack.spotrf(gram.T, lower=1, overwrite_a=1, clean=0)
    if info == 0:
        inverse, info = lapack.spotri(factor, lower=1, overwrite_c=1)
    if info != 0:
        raise np.linalg.LinAlgError(
            "X.T @ X + l2 * I is not numerically positive definite in float32 "
            f"(LAPACK info={info}); increase l2."
        )
    _symmetrize_from_upper(gram)
    return gram


def _inverse_torch(gram, device, name="EASE"):
    """Float32 Cholesky inverse with torch on ``device`` (e.g. a GPU).

    Falls back to the CPU (LAPACK), with a
    :class:`~sklearn_recae.exceptions.RecaeWarning` that gives the numbers,
    when the device has too little free memory for the matrix, its factor and
    its inverse, or runs out of memory during the solve.
    """
    import torch

    needed = _GPU_SOLVE_COPIES * gram.nbytes
    free = torch.cuda.mem_get_info(device)[0]
    if needed > free:
        _warn_cpu_fallback(
            name,
            device,
            f"needs {format_bytes(needed)}, {format_bytes(free)} free",
        )
        return _inverse_lapack(gram)
    try:
        return _inverse_on_device(gram, device)
    except torch.cuda.OutOfMemoryError:
        torch.cuda.empty_cache()
        _warn_cpu_fallback(name, device, "ran out of memory during the solve")
        return _inverse_lapack(gram)


def _warn_cpu_fallback(name, device, reason):
    # Frames: here, _inverse_torch, _penalized_inverse, fit, _fit_context, caller.
    warnings.warn(
        f"{name}'s {device} solve {reason}; solving on the CPU instead. Use "
        "device='cpu' to skip the attempt, or free GPU memory.",
        RecaeWarning,  # a UserWarning: shown by default, unlike ResourceWarning
        stacklevel=6,
    )


def _inverse_on_device(gram, device):
    import torch

    _symmetrize_from_upper(gram)
    matrix = torch.from_numpy(gram).to(device)
    factor, info = torch.linalg.cholesky_ex(matrix)
    if int(info) != 0:
        raise np.linalg.LinAlgError(
            "X.T @ X + l2 * I is not numerically positive definite in float32 "
            f"(torch info={int(info)}); increase l2."
        )
    del matrix
    return torch.cholesky_inverse(factor).cpu().numpy()


def _weights_from_inverse(inverse):
    """B = I - P diagMat(1 / diag P) with zero diagonal, in place (Steck eq. 8)."""
    diagonal = inverse.diagonal().copy()
    inverse /= -diagonal
    np.fill_diagonal(inverse, 0.0)
    return inverse


class _ClosedFormItemItem(RecommenderMixin, BaseEstimator):
    """Shared machinery of the closed-form item-item autoencoders.

    Subclasses (EASE, EDLAE) compute a penalised inverse
    ``P = (X.T @ X + diagMat(penalty))^-1`` with :meth:`_penalized_inverse`,
    turn it into the weights ``coef_`` in their ``fit``, and score users with
    the shared :meth:`predict` (``X @ coef_``). They need ``l2`` and ``device``
    parameters; :meth:`_extra_penalty` adds to the ridge penalty ``l2``.
    """

    def _extra_penalty(self, gram_diagonal):
        """Hook: a per-item penalty added to ``l2``, or None for none."""
        return None

    def _penalized_inverse(self, X):
        """Float32 ``(X.T @ X + Lambda)^-1`` of validated CSR ``X``.

        ``Lambda = l2 * I + diagMat(extra)`` where ``extra`` is
        :meth:`_extra_penalty` of the Gram matrix's diagonal. Returns the
        inverse and ``diag(Lambda)`` in float64.
        """
        name = type(self).__name__
        device = resolve_device(self.device)
        n_items = X.shape[1]
        check_memory(
            2 * n_items**2 * _FLOAT32,
            f"{name}'s {n_items} x {n_items} float32 Gram matrix and its inverse",
            "Use sklearn_recae.ELSA, whose memory grows as n_items x n_dims, "
            "reduce the catalogue (e.g. drop rare items), or use a machine with "
            "more memory.",
        )
        gram = gram_matrix(X)
        penalty = np.full(n_items, self.l2, dtype=np.float64)
        extra = self._extra_penalty(gram.diagonal().astype(np.float64))
        gram[np.diag_indices_from(gram)] += self.l2
        if extra is not None:
            penalty += extra
            gram[np.diag_indices_from(gram)] += extra
        if device == "cpu":
            inverse = _inverse_lapack(gram)
        else:
            inverse = _inverse_torch(gram, device, name)
        return inverse, penalty

    def predict(self, X):
        """Scores ``X @ B`` of every item for each row of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Observed interactions of the users to score (any users).

        Returns
        -------
        scores : ndarray of shape (n_users, n_items)
            Dense float32 scores; larger is better.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        self._check_dense_scores(X)
        n_users, n_items = X.shape
        scores = np.empty((n_users, n_items), dtype=np.float32)
        for rows in gen_batches(n_users, _GRAM_BLOCK_ROWS):
            np.matmul(X[rows].toarray(), self.coef_, out=scores[rows])
        return scores


class EASE(_ClosedFormItemItem):
    """Embarrassingly Shallow Autoencoder: a closed-form item-item model.

    EASE learns an item-item weight matrix ``B`` with a zero diagonal that
    reconstructs each user's interactions from their other interactions
    (Steck 2019, eq. 1):

    .. math::

        \\min_B \\|X - XB\\|_F^2 + \\lambda \\|B\\|_F^2
        \\quad \\text{s.t.} \\quad \\operatorname{diag}(B) = 0

    whose solution (eq. 8) is :math:`P = (X^\\top X + \\lambda I)^{-1}`,
    :math:`B = I - P \\operatorname{diagMat}(1 \\oslash \\operatorname{diag} P)`.
    Scores for a user are ``x @ B``: EASE is inductive, so new users are
    scored from their observed items.

    The Gram matrix is built from sparse ``X`` and inverted in float32 by a
    Cholesky factorisation (LAPACK ``potrf`` + ``potri``, in place; torch on a
    GPU). Memory is O(n_items²) — one dense float32 n_items × n_items matrix
    (1.5 GiB at 20,000 items), estimated before anything is allocated — and
    time O(n_items³) plus O(n_users · n_items²) for the Gram matrix.

    Values of ``X`` are used as given (interaction strengths); binarize first
    (``sklearn.preprocessing.Binarizer``) for the paper's binary setting.

    Parameters
    ----------
    l2 : float, default=500.0
        L2 regularisation strength, λ in the paper (500 for ML-20M and
        Netflix there). Larger values favour popular items less.
    device : {'cpu', 'cuda', 'auto'} or str, default='cpu'
        Where the inverse is computed: LAPACK on the CPU, or torch on a CUDA
        device (``'auto'`` takes CUDA when available). ``B`` is stored on the
        CPU either way. When the GPU has too little free memory, the solve
        runs on the CPU with a :class:`~sklearn_recae.exceptions.RecaeWarning`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_items, n_items)
        The item-item weights ``B`` (float32, zero diagonal).
    n_features_in_ : int
        Number of items seen during fit.

    See Also
    --------
    sklearn_recae.metrics.ndcg_scorer : The default ``score``.

    References
    ----------
    .. [1] H. Steck. "Embarrassingly Shallow Autoencoders for Sparse Data."
       The World Wide Web Conference (WWW), 2019.
       https://doi.org/10.1145/3308558.3313710

    Examples
    --------
    >>> from sklearn_recae import EASE
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=100, n_items=40, random_state=0)
    >>> model = EASE(l2=10.0).fit(X)
    >>> model.recommend(X[:2], k=3).shape
    (2, 3)
    """

    _parameter_constraints = {
        "l2": [Interval(Real, 0, None, closed="neither")],
        "device": [StrOptions({"cpu", "cuda", "auto"}), str],
    }

    def __init__(self, l2=500.0, *, device="cpu"):
        self.l2 = l2
        self.device = device

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
        self : EASE
            The fitted estimator.
        """
        X = self._validate(X, reset=True)
        inverse, _ = self._penalized_inverse(X)
        self.coef_ = _weights_from_inverse(inverse)
        return self
