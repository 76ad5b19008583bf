"""Data sets: synthetic generators, MovieLens loaders and array/frame converters.

The public API is exactly what ``__all__`` lists.
"""

from ._frame import interactions_from_arrays, interactions_from_frame
from ._movielens import (
    DatasetNotFoundError,
    fetch_movielens,
    get_data_home,
    load_movielens,
)
from ._samples_generator import make_checkerboard, make_interactions

__all__ = [
    "DatasetNotFoundError",
    "fetch_movielens",
    "get_data_home",
    "interactions_from_arrays",
    "interactions_from_frame",
    "load_movielens",
    "make_checkerboard",
    "make_interactions",
]
