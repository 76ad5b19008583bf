"""Shared fixtures: small seeded interaction matrices, in both scipy sparse APIs."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_recae.datasets import make_interactions


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover - torch is a dependency
        has_cuda = False
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "cuda" in item.keywords and not has_cuda:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def ratings():
    """300 users x 60 items of 1-5 ratings with planted taste groups."""
    return make_interactions(n_users=300, n_items=60, density=0.15, random_state=0)


@pytest.fixture(scope="session")
def binary(ratings):
    """The same interactions as ``ratings``, all set to 1."""
    X = ratings.copy()
    X.data[:] = 1.0
    return X


@pytest.fixture(params=[sp.csr_matrix, sp.csr_array], ids=["csr_matrix", "csr_array"])
def sparse_container(request):
    return request.param


@pytest.fixture
def rng():
    return np.random.default_rng(0)
