"""Renamed parameters kept working for one release (scikit-learn's pattern).

A renamed parameter keeps its old name in ``__init__`` with the default
``"deprecated"`` and a hidden constraint that accepts it; ``fit`` warns with a
:class:`FutureWarning` when the old name is set and uses its value. The
estimator lists its renames in ``_renamed_params = {old: new}``; docs/glossary.rst
records every rename with the release that removes the old name.
"""

import warnings

from ._validation import Hidden, StrOptions

DEPRECATED = "deprecated"
RENAMED_IN = "0.1"
REMOVED_IN = "0.2"


def deprecated_constraint(constraints):
    """The constraints of a renamed parameter's old name: the new one's, or unset."""
    return [*constraints, Hidden(StrOptions({DEPRECATED}))]


def is_unset(value):
    """Whether a deprecated parameter was left at its ``"deprecated"`` default."""
    return isinstance(value, str) and value == DEPRECATED


def resolve_renamed(estimator):
    """The values of the renamed parameters that ``fit`` uses, as ``{new: value}``.

    For each ``old -> new`` in ``estimator._renamed_params``, the old name's
    value when it is set (with a :class:`FutureWarning` that names the
    replacement and the release that removes the old name), else the new one's.
    """
    name = type(estimator).__name__
    resolved = {}
    for old, new in estimator._renamed_params.items():
        value = getattr(estimator, old)
        if is_unset(value):
            resolved[new] = getattr(estimator, new)
            continue
        warnings.warn(
            f"{name}'s parameter {old!r} was renamed {new!r} in {RENAMED_IN} and "
            f"will be removed in {REMOVED_IN}; pass {name}({new}={value!r}) instead.",
            FutureWarning,
            stacklevel=5,  # the caller of fit (through _fit_context)
        )
        resolved[new] = value
    return resolved
