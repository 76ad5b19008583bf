"""Private skorch glue, one module per concern.

- ``_datasets``: torch datasets over CSR rows, built a whole batch at a time;
- ``_splits``: validation splits given to skorch as ``train_split``;
- ``_callbacks``: the package's callbacks (public as
  :mod:`sklearn_recae.callbacks`);
- ``_nets``: the ``NeuralNet`` subclasses the estimators train.

Every override is one of skorch's documented extension points; losses come
from :mod:`sklearn_recae.nn` (``nn/_losses.py``). See the docs page "Writing a
new model".
"""

from ._callbacks import DivergenceGuard, RankingScoring
from ._datasets import CSRDataset, SequenceDataset, batch_loader
from ._nets import CDAENet, RecommenderNet, RefeedingNet, SVAENet, VAENet
from ._splits import EntryHoldoutSplit, PredefinedValidation

__all__ = [
    "CDAENet",
    "CSRDataset",
    "DivergenceGuard",
    "EntryHoldoutSplit",
    "PredefinedValidation",
    "RankingScoring",
    "RecommenderNet",
    "RefeedingNet",
    "SVAENet",
    "SequenceDataset",
    "VAENet",
    "batch_loader",
]
