"""Data sets: synthetic generators, MovieLens loaders and array/frame converters.

The public API is exactly what ``__all__`` lists.
"""

from ._samples_generator import make_checkerboard, make_interactions

__all__ = [
    "make_checkerboard",
    "make_interactions",
]
