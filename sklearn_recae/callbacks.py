"""skorch callbacks for the package's neural estimators.

Pass them through an estimator's ``callbacks`` parameter, as ``(name,
callback)`` pairs; they run inside the skorch net that ``fit`` builds (the
estimator's ``net_``). This module imports skorch (and torch).
"""

from ._skorch._callbacks import DivergenceGuard, RankingScoring

__all__ = ["DivergenceGuard", "RankingScoring"]
