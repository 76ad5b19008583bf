"""Estimate dense allocations before making them; refuse clearly when too big."""

import os

_ENV_BUDGET = "SKLEARN_RECAE_MEMORY_BUDGET_MB"


class InsufficientMemoryError(MemoryError):
    """A dense block would not fit in the memory budget.

    Raised before anything is allocated; the message says what, how big, and
    what to do.
    """


def available_memory():
    """Bytes of memory this process may use.

    ``SKLEARN_RECAE_MEMORY_BUDGET_MB`` in the environment sets the budget;
    otherwise the kernel's ``MemAvailable`` (Linux), else the physical memory.
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


def _gib(n_bytes):
    return n_bytes / 2**30


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
    """
    budget = available_memory()
    if n_bytes > budget:
        raise InsufficientMemoryError(
            f"{what} needs about {_gib(n_bytes):.1f} GiB but only "
            f"{_gib(budget):.1f} GiB are available (set {_ENV_BUDGET} to change the "
            f"budget). {remedy}"
        )
