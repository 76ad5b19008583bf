"""ELSA: the Gram-form loss against the dense oracle, sparse training, batched
recommend, memory refusal (issue 18)."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn import config_context

from sklearn_recae import EASE, ELSA
from sklearn_recae._elsa import _top_k_torch, csr_tensor, training_bytes
from sklearn_recae.datasets import make_interactions
from sklearn_recae.nn import ELSAModule, elsa_dense_loss, elsa_loss
from sklearn_recae.utils import InsufficientMemoryError, top_k


def _rows(dtype, seed=0):
    """7 rows over 40 items: counts 0-3 (not only 0/1), row 3 empty, row 5 a
    single item (its reconstruction may vanish), so every branch of the
    normalisation is exercised."""
    rng = np.random.RandomState(seed)
    x = rng.poisson(0.3, size=(7, 40)).astype(np.float64)
    x[3] = 0.0
    x[5] = 0.0
    x[5, 7] = 2.0
    return torch.tensor(x, dtype=dtype)


@pytest.mark.parametrize(
    "dtype, rtol, atol",
    [(torch.float64, 1e-12, 1e-14), (torch.float32, 1e-5, 1e-6)],
)
def test_gram_loss_and_gradients_equal_the_dense_computation(dtype, rtol, atol):
    torch.manual_seed(0)
    module = ELSAModule(40, 6).to(dtype)
    x = _rows(dtype)

    gram = module.loss(x.to_sparse_csr())
    gram.backward()
    gram_grad = module.weight.grad.clone()
    module.weight.grad = None
    dense = elsa_dense_loss(module.factors(), x)
    dense.backward()

    torch.testing.assert_close(gram, dense, rtol=rtol, atol=atol)
    torch.testing.assert_close(gram_grad, module.weight.grad, rtol=rtol, atol=atol)
    assert torch.isfinite(gram_grad).all()


def test_dense_loss_matches_the_authors_formula_by_hand():
    """The authors' NMSELoss is mse(normalize(p), normalize(x)) averaged over
    rows *and items*; ours sums over items, i.e. n_items times theirs."""
    torch.manual_seed(1)
    factors = torch.nn.functional.normalize(torch.randn(5, 3), dim=-1)
    x = torch.tensor([[1.0, 0, 1, 0, 0], [0, 0, 0, 1, 1]])
    p = x @ factors @ factors.T - x
    cos = torch.nn.functional.cosine_similarity(p, x, dim=1)
    expected = (2 - 2 * cos).mean()  # ||a/|a| - b/|b|||^2 = 2 - 2 cos
    authors = torch.nn.functional.mse_loss(
        torch.nn.functional.normalize(p, dim=-1),
        torch.nn.functional.normalize(x, dim=-1),
    )
    torch.testing.assert_close(elsa_loss(factors, x.to_sparse_csr()), expected)
    torch.testing.assert_close(elsa_dense_loss(factors, x), 5 * authors)


def test_scores_have_zero_diagonal_and_match_dense_algebra():
    torch.manual_seed(0)
    module = ELSAModule(12, 4)
    eye = torch.eye(12)
    with torch.no_grad():
        assert module(eye.to_sparse_csr()).diagonal().abs().max() < 1e-6
        x = _rows(torch.float32)[:, :12]
        a = module.factors()
        torch.testing.assert_close(module(x.to_sparse_csr()), x @ a @ a.T - x)
        torch.testing.assert_close(module.encode(x.to_sparse_csr()), x @ a)
    assert torch.allclose(a.norm(dim=1), torch.ones(12))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_training_never_forms_dense_scores(monkeypatch):
    """Training batches reach the module sparse and only through the Gram loss."""
    calls = []
    forward = ELSAModule.forward

    def spy(self, x):
        calls.append((self.training, x.layout, x.shape[0]))
        return forward(self, x)

    seen = []
    loss = ELSAModule.loss

    def loss_spy(self, x):
        seen.append(x.layout)
        return loss(self, x)

    monkeypatch.setattr(ELSAModule, "forward", spy)
    monkeypatch.setattr(ELSAModule, "loss", loss_spy)
    X = make_interactions(n_users=120, n_items=30, values="binary", random_state=0)
    ELSA(latent_dim=4, max_epochs=2, batch_size=32, random_state=0).fit(X)
    assert seen and set(seen) == {torch.sparse_csr}
    assert all(not training for training, _, _ in calls)  # validation only
    assert {layout for _, layout, _ in calls} == {torch.sparse_csr}


def test_evaluation_batches_are_bounded_by_working_memory(monkeypatch):
    shapes = []
    forward = ELSAModule.forward

    def spy(self, x):
        shapes.append(x.shape[0])
        return forward(self, x)

    X = make_interactions(n_users=300, n_items=2000, values="binary", random_state=0)
    model = ELSA(latent_dim=4, max_epochs=1, early_stopping=False, random_state=0)
    model.fit(X)
    monkeypatch.setattr(ELSAModule, "forward", spy)
    with config_context(working_memory=1):  # 1 MiB: 2**20 / (2000 * 4 * 3) = 43 rows
        scores = model.predict(X)
    assert max(shapes) == 43 and sum(shapes) == 300
    with config_context(working_memory=1024):
        np.testing.assert_allclose(model.predict(X), scores, rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def fitted():
    X = make_interactions(n_users=200, n_items=50, values="binary", random_state=0)
    model = ELSA(latent_dim=8, max_epochs=3, early_stopping=False, random_state=0)
    return model.fit(X), X


def test_torch_top_k_breaks_ties_and_pads_like_top_k():
    scores = np.array(
        [
            [0.5, 0.9, 0.9, 0.9, 0.1, 0.0],  # a tie across the k boundary
            [-np.inf, -np.inf, 0.3, -np.inf, -np.inf, -np.inf],  # one candidate
            [0.2, 0.2, 0.8, 0.7, 0.6, 0.2],  # ties below the top k only
            [0.9, 0.9, 0.0, 0.1, 0.2, 0.3],  # a tie inside the top k
        ],
        dtype=np.float32,
    )
    for k in (1, 2, 3, 6):
        items, values = _top_k_torch(torch.from_numpy(scores), k)
        expected_items, expected_values = top_k(scores, k, return_scores=True)
        np.testing.assert_array_equal(items, expected_items)
        np.testing.assert_array_equal(values, expected_values)


def test_chunked_top_k_on_wide_rows_equals_top_k():
    """Rows of 50,000 items take the chunk pre-selection path: same answers,
    ties at the boundary and rows of few finite scores included."""
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((6, 50_000)).astype(np.float32)
    scores[1, [7, 30_000, 49_999]] = 10.0  # a tie across the boundary of k=2
    scores[2] = -np.inf
    scores[2, [3, 40_001]] = [1.0, 2.0]  # fewer finite scores than k
    scores[3, -1] = 50.0  # the best item is the last one, in the short chunk
    scores[4] = np.round(scores[4])  # massive ties everywhere
    for k in (1, 2, 5):
        items, values = _top_k_torch(torch.from_numpy(scores), k)
        expected_items, expected_values = top_k(scores, k, return_scores=True)
        np.testing.assert_array_equal(items, expected_items)
        np.testing.assert_array_equal(values, expected_values)
    with pytest.raises(ValueError, match="scores hold NaN"):
        scores[5, 12_345] = np.nan
        _top_k_torch(torch.from_numpy(scores), 3)


def test_nan_scores_are_refused():
    with pytest.raises(ValueError, match="scores hold NaN; a model produced undefined"):
        _top_k_torch(torch.tensor([[0.0, float("nan")]]), 1)


def test_memory_is_checked_before_allocating(monkeypatch):
    X = sp.random(5, 1000, density=0.05, format="csr", random_state=0)
    monkeypatch.setenv("SKLEARN_RECAE_MEMORY_BUDGET_MB", "1")
    with pytest.raises(InsufficientMemoryError, match=r"ELSA's 1000 x 256 item"):
        ELSA(max_epochs=1).fit(X)


def test_training_bytes_grow_with_factors_and_optimizer_state():
    adam = training_bytes(10**6, 128, 10_000, "adam")
    sgd = training_bytes(10**6, 128, 10_000, "sgd")
    assert adam >= 6 * 4 * 128 * 10**6
    assert adam - sgd == 4 * 128 * 10**6


def test_ease_refusal_points_to_elsa(monkeypatch):
    monkeypatch.setenv("SKLEARN_RECAE_MEMORY_BUDGET_MB", "1")
    X = sp.random(5, 2000, density=0.01, format="csr", random_state=0)
    with pytest.raises(
        InsufficientMemoryError,
        match=r"EASE's 2000 x 2000 float32 Gram matrix .* Use sklearn_recae\.ELSA",
    ):
        EASE().fit(X)


def test_csr_tensor_keeps_values_and_shape():
    X = sp.csr_matrix(np.array([[0, 2.0, 0], [0, 0, 0], [1.0, 0, 3.0]]))
    torch.testing.assert_close(
        csr_tensor(X).to_dense(), torch.tensor(X.toarray(), dtype=torch.float32)
    )


def test_transform_is_x_times_factors(fitted):
    model, X = fitted
    factors = model.net_.module_.factors().detach().numpy()
    np.testing.assert_allclose(
        model.transform(X[:5]), X[:5] @ factors, rtol=1e-5, atol=1e-6
    )
