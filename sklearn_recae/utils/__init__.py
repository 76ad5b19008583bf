"""Public helpers: input validation, top-k selection and the memory budget."""

from ._memory import InsufficientMemoryError, available_memory
from ._topk import top_k
from ._validation import check_fold_out, check_interactions

__all__ = [
    "InsufficientMemoryError",
    "available_memory",
    "check_fold_out",
    "check_interactions",
    "top_k",
]
