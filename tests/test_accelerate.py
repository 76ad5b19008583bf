"""Hugging Face accelerate through skorch's AccelerateMixin: the CPU smoke test
of the code path multi-GPU training takes (``accelerate launch`` runs the same
code in every process)."""

import numpy as np
import pytest

from sklearn_recae import CDAE, SVAE, AutoRec, DeepRec, MultDAE, MultVAE
from sklearn_recae.datasets import make_interactions

accelerate = pytest.importorskip("accelerate")

SMALL = {
    AutoRec: dict(latent_dim=8),
    DeepRec: dict(hidden_dims=(), latent_dim=8),
    MultVAE: dict(hidden_dims=(8,), latent_dim=4),
    MultDAE: dict(hidden_dims=(8,)),
    CDAE: dict(latent_dim=8),
    SVAE: dict(embedding_dim=8, rnn_dim=8, hidden_dim=8, latent_dim=4),
}


@pytest.mark.parametrize("Estimator", list(SMALL), ids=lambda e: e.__name__)
def test_accelerated_fit_matches_plain_fit(Estimator):
    X = make_interactions(n_users=80, n_items=30, random_state=0)
    params = dict(SMALL[Estimator], max_epochs=3, random_state=0)
    # an accelerator trains in float32 unless its mixed_precision says otherwise
    if "precision" in Estimator().get_params():
        plain = Estimator(**params, precision="float32").fit(X)
    else:
        plain = Estimator(**params).fit(X)
    accelerator = accelerate.Accelerator(cpu=True)
    fast = Estimator(**params, accelerator=accelerator).fit(X)

    assert type(fast.net_).__name__.startswith("Accelerated")
    assert fast.net_.accelerator is accelerator
    assert len(fast.history_) == len(plain.history_)
    scores = fast.predict(X)
    assert np.isfinite(scores).all()
    np.testing.assert_allclose(scores, plain.predict(X), rtol=1e-4, atol=1e-5)


def test_accelerator_is_validated():
    X = make_interactions(n_users=20, n_items=10, random_state=0)
    with pytest.raises(
        ValueError,
        match="'accelerator' parameter of MultDAE must be an object implementing",
    ):
        MultDAE(accelerator="gpu").fit(X)
