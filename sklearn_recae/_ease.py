"""EASE: Embarrassingly Shallow Autoencoder (Steck 2019), closed form."""

import contextlib
import functools
import importlib.util
import sys
import time
import warnings
from numbers import Real

import numpy as np
import scipy.sparse as sp
from scipy.linalg import blas, lapack
from sklearn.base import BaseEstimator
from sklearn.utils import gen_batches
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import ThreadpoolController

from .base import RecommenderMixin
from .exceptions import RecaeWarning
from .utils._device import resolve_device
from .utils._memory import check_memory, format_bytes
from .utils._validation import Interval, StrOptions, _fit_context

_GRAM_BLOCK_ROWS = 2048
_FLOAT32 = 4
_GPU_SOLVE_COPIES = 3  # the matrix, its Cholesky factor and the inverse
_SYMMETRIZE_BLOCK = 256  # transposed copies in tiles that stay in cache

# The Gram path (sparse product, dense float32 syrk, exact int8 products) is
# chosen by cost at run time, from rates measured once per process on small
# probes: the rates differ several-fold between hosts of one kind. The probes
# run on one thread and count its CPU time: on a shared host, short parallel
# kernels wait for a preempted thread and time 2-10x slow by the clock.
_PROBE_USERS, _PROBE_ITEMS = 1024, 512  # 0.13 G multiply-adds (syrk: half)
_PROBE_REPEAT = 3
# Below this many multiply-adds a dense Gram takes ~50 ms or less here: no
# probe (~40 ms, once per process) and no torch import.
_NOT_WORTH_PROBING = 4e9
_INT8_BLOCK_BYTES = 2**26  # one dense int8 block of users
_INT8_BLOCK_ITEMS = 1024  # width of the triangular int8 products
_INT8_MAX = 127
_EXACT_IN_FLOAT32 = 2**24  # every integer up to this is a float32
# Rough one-time cost of ``import torch`` (1.5-5 s measured on 2 shared
# cores): the int8 path imports torch only when the float paths cost more.
_TORCH_IMPORT_S = 2.0
_rates = {}


def _gram_dense_blocks(X):
    """Lower-in-Fortran (upper-in-C) triangle of X.T @ X by BLAS syrk on row blocks."""
    n_items = X.shape[1]
    gram = np.zeros((n_items, n_items), dtype=np.float32)
    for rows in gen_batches(X.shape[0], _GRAM_BLOCK_ROWS):
        block = X[rows].toarray()
        blas.ssyrk(1.0, block.T, beta=1.0, c=gram.T, trans=0, lower=1, overwrite_c=1)
    return gram


def _sparse_product(X):
    # X.T as CSR makes a CSR product, which densifies row by row (C order);
    # scipy's own X.T @ X is CSC, whose C-order densification is 0.3 s slower
    # at ML-1M's size.
    return X.T.tocsr() @ X


def _gram_sparse(X):
    return _sparse_product(X).toarray().astype(np.float32, copy=False)


def _int_mm(a, b, pad=None):
    """``a @ b`` of int8 tensors into int32 by ``torch._int_mm``.

    On CUDA ``_int_mm`` needs more than 16 rows in ``a`` and multiples of 8
    for the inner and output sizes; ``pad`` (default: on CUDA tensors) pads
    with zeros, which add nothing, and cuts the result back. The CPU kernel
    takes any shape.
    """
    import torch

    if pad is None:
        pad = a.is_cuda
    m, k = a.shape
    n = b.shape[1]
    shape = (max(m, 17), -(-k // 8) * 8, -(-n // 8) * 8)
    if not pad or shape == (m, k, n):
        return torch._int_mm(a, b)
    a_padded = a.new_zeros(shape[:2])
    a_padded[:m, :k] = a
    b_padded = b.new_zeros(shape[1:])
    b_padded[:k, :n] = b
    return torch._int_mm(a_padded, b_padded)[:m, :n]


def _int32_to_float32(gram):
    """The float32 values of int32 ``gram`` in the same memory (exact up to 2**24)."""
    out = gram.view(np.float32)
    for rows in gen_batches(gram.shape[0], 256):
        out[rows] = gram[rows]  # numpy buffers the overlapping source rows
    return out


def _int8_products(n_users, n_items):
    """Multiply-adds of the triangular int8 products of :func:`_gram_int8`."""
    starts = np.arange(0, n_items, _INT8_BLOCK_ITEMS)
    widths = np.minimum(_INT8_BLOCK_ITEMS, n_items - starts)
    return float(n_users) * float(np.sum(widths * (n_items - starts)))


def _gram_int8(X, pad=None):
    """Exact ``X.T @ X`` of small non-negative integers (see :func:`_int8_exact`).

    int8 x int8 -> int32 products (``torch._int_mm``) of dense int8 user
    blocks, block row by block row of items on and above the diagonal; only
    the upper triangle (C order) is guaranteed, as for the other paths.
    """
    import torch

    n_users, n_items = X.shape
    gram = torch.zeros((n_items, n_items), dtype=torch.int32)
    for rows in gen_batches(n_users, max(1, _INT8_BLOCK_BYTES // max(n_items, 1))):
        block = torch.from_numpy(X[rows].astype(np.int8).toarray())
        for start in range(0, n_items, _INT8_BLOCK_ITEMS):
            stop = min(start + _INT8_BLOCK_ITEMS, n_items)
            gram[start:stop, start:] += _int_mm(
                block[:, start:stop].T, block[:, start:], pad
            )
    return _int32_to_float32(gram.numpy())


def _int8_exact(X):
    """Whether X.T @ X is exact by the int8 path, and so equal on every path.

    True for integers in [0, 127] whose Gram entries stay at most 2**24: with
    non-negative values every partial sum is at most its entry, and every
    entry at most the largest diagonal one (Cauchy-Schwarz), so the int32
    sums, their float32 values and each float32 path's sums are all exact.
    """
    data = X.data
    if data.size == 0:
        return True
    low, high = data.min(), data.max()
    if low < 0 or high > _INT8_MAX:
        return False
    if not (low == high == 1 or np.array_equal(data, np.rint(data))):
        return False
    squares = np.square(data, dtype=np.float64)
    return np.bincount(X.indices, weights=squares).max() <= _EXACT_IN_FLOAT32


def _probe_csr(rng, n_rows, n_columns, per_row):
    indices = np.sort(rng.integers(0, n_columns, (n_rows, per_row)), axis=1)
    indptr = np.arange(0, n_rows * per_row + 1, per_row)
    data = np.ones(indices.size, dtype=np.float32)
    X = sp.csr_matrix((data, indices.ravel(), indptr), shape=(n_rows, n_columns))
    X.sum_duplicates()
    return X


def _pairs(X):
    """Sum over users of their squared interaction counts: the sparse product's work."""
    return float(np.square(np.diff(X.indptr).astype(np.float64)).sum())


def _best_seconds(kernels):
    """Least CPU time of each one-thread kernel over ``_PROBE_REPEAT`` rounds.

    The calling thread's CPU time, after a warm-up round: one-thread BLAS and
    torch kernels run in the calling thread, and time spent preempted by
    other jobs of a shared host does not count.
    """
    best = dict.fromkeys(kernels, np.inf)
    for round_ in range(_PROBE_REPEAT + 1):
        for name, kernel in kernels.items():
            start = time.thread_time()
            kernel()
            if round_:
                best[name] = min(best[name], time.thread_time() - start)
    return {name: max(seconds, 1e-9) for name, seconds in best.items()}


@functools.cache
def _blas_libraries():
    return ThreadpoolController().select(user_api="blas")  # ~10 ms: once


@contextlib.contextmanager
def _one_thread(blas_libraries, torch):
    """BLAS and, where given, torch limited to one thread."""
    threads = torch.get_num_threads() if torch is not None else None
    try:
        with blas_libraries.limit(limits=1):
            if torch is not None:
                torch.set_num_threads(1)
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(threads)


def _measure_rates(int8):
    """Measure the Gram kernels' one-thread rates on small probes into ``_rates``.

    ``syrk`` and ``int8``: multiply-adds per second and thread, scaled by
    the BLAS and torch thread counts in :func:`_gram_costs`. The sparse
    product (one thread) costs ``sparse_per_pair`` seconds per pair of a
    user's interactions plus ``sparse_per_nonzero`` per nonzero of the
    product: a probe of many pairs over few items gives the first, one of few
    pairs over many items (about one product nonzero each) the second.
    """
    rng = np.random.default_rng(0)
    block = (rng.random((_PROBE_USERS, _PROBE_ITEMS)) < 0.05).astype(np.float32)
    out = np.zeros((_PROBE_ITEMS, _PROBE_ITEMS), dtype=np.float32)
    many_pairs = _probe_csr(rng, 1000, 128, 32)
    few_pairs = _probe_csr(rng, 4096, 4096, 4)
    kernels, torch = {}, None
    if "syrk" not in _rates:
        kernels["syrk"] = lambda: blas.ssyrk(
            1.0, block.T, c=out.T, trans=0, lower=1, overwrite_c=1
        )
        kernels["many_pairs"] = lambda: _sparse_product(many_pairs)
        kernels["few_pairs"] = lambda: _sparse_product(few_pairs)
    if int8 and "int8" not in _rates:
        import torch

        block8 = torch.from_numpy(block.astype(np.int8))
        try:
            _int_mm(block8.T, block8)
        except (RuntimeError, AttributeError, NotImplementedError):
            _rates["int8"] = 0.0  # no working int8 product here
        else:
            kernels["int8"] = lambda: _int_mm(block8.T, block8)
    blas_libraries = _blas_libraries()
    with _one_thread(blas_libraries, torch):
        seconds = _best_seconds(kernels)
    multiply_adds = _PROBE_USERS * _PROBE_ITEMS**2
    if "syrk" in seconds:
        per_pair = seconds["many_pairs"] / _pairs(many_pairs)
        product_nonzeros = _sparse_product(few_pairs).nnz
        _rates["syrk"] = multiply_adds / 2 / seconds["syrk"]
        _rates["sparse_per_pair"] = per_pair
        _rates["sparse_per_nonzero"] = (
            max(seconds["few_pairs"] - per_pair * _pairs(few_pairs), 0.0)
            / product_nonzeros
        )
        threads = [info["num_threads"] for info in blas_libraries.info()]
        _rates["blas_threads"] = max(threads, default=1)
    if "int8" in seconds:
        _rates["int8"] = multiply_adds / seconds["int8"]


def _torch_worth_importing(float_cost):
    if "torch" in sys.modules:
        return True
    if float_cost <= _TORCH_IMPORT_S:
        return False
    return importlib.util.find_spec("torch") is not None


def _gram_costs(X):
    """Estimated seconds of each Gram path for CSR ``X`` on this host.

    The rates behind them are measured once per process (about 40 ms); the
    parallel paths are credited with every thread. The int8 path is costed
    only where it is exact (:func:`_int8_exact`) and torch is loaded, or its
    import pays off.
    """
    n_users, n_items = X.shape
    exact = _int8_exact(X)
    if "syrk" not in _rates:
        _measure_rates(int8=exact and "torch" in sys.modules)
    pairs = _pairs(X)
    costs = {
        "dense": n_users * n_items**2 / 2 / _rates["syrk"] / _rates["blas_threads"],
        "sparse": _rates["sparse_per_pair"] * pairs
        + _rates["sparse_per_nonzero"] * min(pairs, float(n_items) ** 2),
    }
    if exact and _torch_worth_importing(min(costs.values())):
        if "int8" not in _rates:
            _measure_rates(int8=True)
        if _rates["int8"] > 0:
            rate = _rates["int8"] * sys.modules["torch"].get_num_threads()
            costs["int8"] = _int8_products(n_users, n_items) / rate
    return costs


def _gram_path(X):
    """'int8', 'dense' or 'sparse': the Gram path :func:`gram_matrix` takes."""
    n_users, n_items = X.shape
    if n_users * n_items**2 / 2 < _NOT_WORTH_PROBING:
        return "dense"
    costs = _gram_costs(X)
    return min(costs, key=costs.get)


def _prefer_dense_gram(X):
    return _gram_path(X) != "sparse"


_GRAM_PATHS = {"int8": _gram_int8, "dense": _gram_dense_blocks, "sparse": _gram_sparse}


def gram_matrix(X):
    """Dense float32 ``X.T @ X`` of CSR ``X``; only its upper triangle (C order)
    is guaranteed, which is all a Cholesky solve reads.

    The path is the cheapest by measured cost (:func:`_gram_path`). Where the
    values are small integers (binary data included) every path gives the same
    exact counts; otherwise the sparse and dense paths round float32 sums in
    different orders (about 1e-7 relative).
    """
    return _GRAM_PATHS[_gram_path(X)](X)


def _symmetrize_from_upper(a):
    for rows in gen_batches(a.shape[0], _SYMMETRIZE_BLOCK):
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
            "Use sklearn_recae.ELSA, whose memory grows as n_items x latent_dim, "
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

    The Gram matrix is built from sparse ``X`` by the path that costs least on
    the host, by rates measured once per process (about 40 ms of probes, for
    fits big enough to matter): a sparse product, dense float32 BLAS ``syrk``
    on blocks of users, or, for integer values in [0, 127] such as binary
    data, int8 products with exact int32 counts (``torch._int_mm``; used when
    torch is already imported or the float paths would cost more than
    importing it). Integer data give the same exact Gram matrix on every path.
    It is inverted in float32 by a Cholesky factorisation (LAPACK ``potrf`` +
    ``potri``, in place; torch on a GPU). Memory is O(n_items²) — one dense
    float32 n_items × n_items matrix (1.5 GiB at 20,000 items), estimated
    before anything is allocated — and time O(n_items³) plus
    O(n_users · n_items²) for the Gram matrix.

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
