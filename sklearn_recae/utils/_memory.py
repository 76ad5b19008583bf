"""Estimate dense allocations before making them; refuse clearly when too big.

One memory policy for the package: :func:`check_memory` refuses an allocation
over the budget, and :func:`budget_rows` sizes row batches so that each fits
both scikit-learn's ``working_memory`` and that budget. ``recommend`` and the
scorers batch with it, so a ``predict`` refused for the whole matrix succeeds
on their batches under the same budget.
"""

import os

from sklearn.utils._chunking import get_chunk_n_rows

from ..exceptions import InsufficientMemoryError

__all__ = [
    "InsufficientMemoryError",
    "available_memory",
    "budget_rows",
    "check_memory",
    "format_bytes",
]

_ENV_BUDGET = "SKLEARN_RECAE_MEMORY_BUDGET_MB"
_UNITS = (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))


def available_memory():
    """Bytes of memory this process may use.

    ``SKLEARN_RECAE_MEMORY_BUDGET_MB`` in the environment sets the budget;
    otherwise the kernel's ``MemAvailable`` (Linux), else the physical memory.

    Returns
    -------
    n_bytes : int
        The memory budget in bytes.

    Examples
    --------
    >>> from sklearn_recae.utils import available_memory
    >>> available_memory() > 0
    True
    """
    budget = os.environ.get(_ENV_BUDGET)
    if budget:
        return int(float(budget) * 2**20)
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2**63


def format_bytes(n_bytes):
    """``n_bytes`` in the largest binary unit not above it, e.g. ``'1.5 MiB'``.

    Parameters
    ----------
    n_bytes : int or float
        A size in bytes.

    Returns
    -------
    text : str
        One decimal in GiB, MiB or KiB; whole bytes below 1 KiB.

    Examples
    --------
    >>> from sklearn_recae.utils._memory import format_bytes
    >>> format_bytes(3 * 2**30), format_bytes(480_000), format_bytes(1000)
    ('3.0 GiB', '468.8 KiB', '1000 bytes')
    """
    for unit, size in _UNITS:
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{int(n_bytes)} bytes"


def check_memory(n_bytes, what, remedy):
    """Raise :class:`InsufficientMemoryError` if ``n_bytes`` exceed the budget.

    Parameters
    ----------
    n_bytes : int
        Estimated peak bytes of the allocation.
    what : str
        What would be allocated, e.g. ``"EASE's 50000 x 50000 Gram matrix"``.
    remedy : str
        What the user can do instead.

    Raises
    ------
    InsufficientMemoryError
        If ``n_bytes`` exceed :func:`available_memory`.
    """
    budget = available_memory()
    if n_bytes > budget:
        raise InsufficientMemoryError(
            f"{what} needs about {format_bytes(n_bytes)} but only "
            f"{format_bytes(budget)} are available (set {_ENV_BUDGET} to change "
            f"the budget). {remedy}"
        )


def budget_rows(row_bytes):
    """Rows per batch whose ``row_bytes`` each fit both memory limits.

    The limits are scikit-learn's ``working_memory`` (as
    :func:`sklearn.utils.gen_batches` users size chunks) and the package budget
    :func:`available_memory`. At least one row, so a caller whose single row
    does not fit meets its own :func:`check_memory` refusal.

    Parameters
    ----------
    row_bytes : int
        Peak bytes one row of the batch needs.

    Returns
    -------
    n_rows : int
        Rows per batch, at least 1.

    Examples
    --------
    >>> from sklearn import config_context
    >>> from sklearn_recae.utils._memory import budget_rows
    >>> with config_context(working_memory=1):  # 1 MiB, under the budget here
    ...     budget_rows(2**16)  # rows of 64 KiB
    16
    """
    working = get_chunk_n_rows(row_bytes)
    return max(1, min(working, available_memory() // max(int(row_bytes), 1)))
