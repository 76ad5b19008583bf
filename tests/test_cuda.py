"""Every neural model on a CUDA GPU (skipped without one: see conftest.py)."""

import pickle

import numpy as np
import pytest

from sklearn_recae import CDAE, SVAE, AutoRec, DeepRec, MultDAE, MultVAE

pytestmark = pytest.mark.cuda

ESTIMATORS = {
    "autorec-item": lambda **kw: AutoRec(variant="item", latent_dim=16, **kw),
    "autorec-user": lambda **kw: AutoRec(variant="user", latent_dim=16, **kw),
    "deeprec": lambda **kw: DeepRec(hidden_dims=(), latent_dim=16, **kw),
    "multvae": lambda **kw: MultVAE(hidden_dims=(16,), latent_dim=8, **kw),
    "multdae": lambda **kw: MultDAE(hidden_dims=(16,), **kw),
    "cdae": lambda **kw: CDAE(latent_dim=16, **kw),
    "svae": lambda **kw: SVAE(
        embedding_dim=8, rnn_dim=8, hidden_dim=8, latent_dim=4, **kw
    ),
}
PARAMS = dict(max_epochs=5, random_state=0)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_fits_and_predicts_on_the_gpu_like_on_the_cpu(ratings, name):
    gpu = ESTIMATORS[name](device="cuda", **PARAMS).fit(ratings)
    assert next(gpu.net_.module_.parameters()).is_cuda
    scores = gpu.predict(ratings)
    assert scores.shape == ratings.shape and np.isfinite(scores).all()
    cpu = ESTIMATORS[name](device="cpu", **PARAMS).fit(ratings).predict(ratings)
    # same seed, other kernels: close, not bit-identical
    assert np.corrcoef(scores.ravel(), cpu.ravel())[0, 1] > 0.99


@pytest.mark.parametrize("name", ESTIMATORS)
def test_gpu_model_pickles(ratings, name):
    model = ESTIMATORS[name](device="cuda", **PARAMS).fit(ratings)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(again.predict(ratings), model.predict(ratings))
