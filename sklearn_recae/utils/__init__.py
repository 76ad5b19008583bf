"""Public helpers: input validation and top-k selection."""

from ._topk import top_k
from ._validation import check_fold_out, check_interactions

__all__ = ["check_fold_out", "check_interactions", "top_k"]
