"""Exceptions and warnings raised by sklearn_recae (as :mod:`sklearn.exceptions`).

Each class subclasses the builtin a caller would already catch
(``MemoryError``, ``FileNotFoundError``, ``FloatingPointError``,
``UserWarning``), so ``except MemoryError:`` keeps working. This module imports
nothing but the standard library: importing it never imports torch.
"""

__all__ = [
    "DatasetNotFoundError",
    "DivergenceError",
    "InsufficientMemoryError",
    "RecaeWarning",
]


class RecaeWarning(UserWarning):
    """Base class of the warnings issued by sklearn_recae.

    A :class:`UserWarning`, so Python shows it by default (unlike
    ``ResourceWarning``, which the default filters hide). Issued, for example,
    when EASE's GPU solve falls back to the CPU. Silence it with
    ``warnings.filterwarnings("ignore", category=RecaeWarning)``.

    .. versionadded:: 0.1

    Examples
    --------
    >>> import warnings
    >>> from sklearn_recae.exceptions import RecaeWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("solving on the CPU instead", RecaeWarning)
    >>> caught[0].category.__name__, issubclass(RecaeWarning, UserWarning)
    ('RecaeWarning', True)
    """


class InsufficientMemoryError(MemoryError):
    """A dense block would not fit in the memory budget.

    Raised before anything is allocated; the message says what would be
    allocated, how big it is, the budget, and what to do instead. The budget
    is the memory the kernel reports available, or
    ``SKLEARN_RECAE_MEMORY_BUDGET_MB`` when set. Subclass of
    :class:`MemoryError`.

    .. versionadded:: 0.1

    Examples
    --------
    >>> from sklearn_recae.exceptions import InsufficientMemoryError
    >>> issubclass(InsufficientMemoryError, MemoryError)
    True
    """


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite loss.

    Raised by the neural estimators' ``fit`` as soon as a batch loss is not
    finite; the message names the epoch and suggests a lower learning rate,
    scaled input or more regularisation. Subclass of
    :class:`FloatingPointError` (hence of :class:`ArithmeticError`).

    .. versionadded:: 0.1

    Examples
    --------
    >>> from sklearn_recae.exceptions import DivergenceError
    >>> issubclass(DivergenceError, ArithmeticError)
    True
    """


class DatasetNotFoundError(FileNotFoundError):
    """A data set file is neither on disk nor downloadable right now.

    Subclass of :class:`FileNotFoundError` (hence of :class:`OSError`). The
    message names the file, the URL to download it from and the folder to put it
    in.

    .. versionadded:: 0.1

    Examples
    --------
    >>> from sklearn_recae.exceptions import DatasetNotFoundError
    >>> issubclass(DatasetNotFoundError, FileNotFoundError)
    True
    """
