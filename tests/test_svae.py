"""SVAE: sequences ordered by value, padding, next-k loss, contract."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.model_selection import GridSearchCV

from sklearn_recae import SVAE
from sklearn_recae._skorch import SequenceDataset
from sklearn_recae.metrics import ndcg_scorer
from sklearn_recae.model_selection import UserKFold
from sklearn_recae.nn import next_k_nll

TINY = dict(
    embedding_dim=8,
    rnn_dim=8,
    hidden_dim=8,
    latent_dim=4,
    batch_size=16,
    max_epochs=3,
    random_state=0,
)


@pytest.fixture(scope="module")
def sequences():
    """200 users x 30 items; values are event times (a random order per row)."""
    rng = np.random.RandomState(0)
    X = sp.random(200, 30, density=0.25, format="csr", random_state=rng)
    X.data = rng.permutation(X.nnz).astype(np.float64) + 1.0
    return X


@pytest.fixture(scope="module")
def fitted(sequences):
    return SVAE(**TINY).fit(sequences)


def test_rows_become_sequences_ordered_by_value_ties_by_item():
    X = sp.csr_matrix(np.array([[0, 5.0, 1.0, 5.0, 3.0], [2.0, 0, 0, 0, 0]]))
    inputs, target = SequenceDataset(X)[[0, 1]]
    # row 0: item 2 (t=1), item 4 (t=3), items 1 and 3 tie at t=5 -> by index
    np.testing.assert_array_equal(inputs["items"], [[3, 5, 2, 4], [1, 0, 0, 0]])
    np.testing.assert_array_equal(inputs["lengths"], [4, 1])
    assert torch.equal(target, inputs["items"])
    # max_length keeps the latest events
    inputs, _ = SequenceDataset(X, max_length=2)[[0, 1]]
    np.testing.assert_array_equal(inputs["items"], [[2, 4], [1, 0]])


def test_next_k_loss_by_hand_and_padding_never_counts():
    torch.manual_seed(0)
    logits = torch.randn(1, 4, 6)
    items = torch.tensor([[2, 5, 1, 3]])
    log_p = torch.log_softmax(logits, dim=-1)[0]
    # steps 0..2 predict; step t targets items t+1..t+2 (ids minus one)
    expected = (
        -(log_p[0, 4] + log_p[0, 0] + log_p[1, 0] + log_p[1, 2] + log_p[2, 2]) / 3
    )
    torch.testing.assert_close(next_k_nll(logits, items, k=2), expected)
    padded_logits = torch.cat([logits, torch.randn(1, 3, 6)], dim=1)
    padded = torch.tensor([[2, 5, 1, 3, 0, 0, 0]])
    torch.testing.assert_close(next_k_nll(padded_logits, padded, k=2), expected)


def test_predict_scores_after_the_last_event_and_ignores_padding(sequences, fitted):
    module = fitted.net_.module_.eval()
    short = int(np.argmin(np.diff(sequences.indptr)))
    inputs, _ = SequenceDataset(sequences)[[short]]
    with torch.no_grad():
        alone = module(inputs["items"], inputs["lengths"])[0].numpy()
    # scored inside a batch padded to the longest row: same scores
    np.testing.assert_allclose(
        fitted.predict(sequences)[short], alone[0], rtol=1e-5, atol=1e-5
    )


def test_order_of_events_matters(sequences, fitted):
    reversed_time = sequences.copy()
    reversed_time.data = reversed_time.data.max() + 1.0 - reversed_time.data
    assert not np.allclose(fitted.predict(sequences), fitted.predict(reversed_time))


def test_validation_users_hold_out_their_latest_events(sequences):
    from sklearn_recae._skorch import EntryHoldoutSplit

    split = SVAE(validation_fraction=0.2)._train_split(seed=0)
    assert isinstance(split, EntryHoldoutSplit) and split.strategy == "temporal"
    train, valid = split(SequenceDataset(sequences))
    assert train.X.shape == sequences.shape  # every user still trains
    fold_in, fold_out = valid.X, valid.y
    for row in range(fold_in.shape[0]):
        if fold_out[row].nnz:
            assert fold_in[row].data.max() < fold_out[row].data.min()


def test_transform_gives_the_latent_code(sequences, fitted):
    assert fitted.transform(sequences[:5]).shape == (5, 4)


@pytest.mark.parametrize("loss", ["next_k", "next_item"])
def test_learns_a_deterministic_successor(loss):
    """Every user walks items i, i+1, i+2, ... (mod 20): the next item after a
    history is its last item plus one."""
    rng = np.random.RandomState(0)
    n_users, n_items, length = 300, 20, 6
    starts = rng.randint(n_items, size=n_users)
    items = (starts[:, None] + np.arange(length)) % n_items
    times = np.tile(np.arange(1.0, length + 1), (n_users, 1))
    rows = np.repeat(np.arange(n_users), length)
    X = sp.csr_matrix((times.ravel(), (rows, items.ravel())), shape=(n_users, n_items))
    model = SVAE(**{**TINY, "max_epochs": 40, "lr": 0.01, "rnn_dim": 32}, loss=loss)
    model.fit(X)
    top = model.recommend(X, k=1)[:, 0]
    assert np.mean(top == (items[:, -1] + 1) % n_items) > 0.8


def test_grid_search_with_temporal_scoring(sequences):
    search = GridSearchCV(
        SVAE(**{**TINY, "max_epochs": 1}),
        {"next_k": [1, 2]},
        cv=UserKFold(3),
        scoring=ndcg_scorer(k=10, strategy="temporal"),
    ).fit(sequences)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and ((scores >= 0) & (scores <= 1)).all()


def test_unix_times_keep_their_order():
    """Seconds apart at 1.6e9 are equal in float32; SVAE keeps float64 values."""
    times = np.array([[1_600_000_002, 1_600_000_001, 1_600_000_000, 0]], dtype=np.int64)
    X = SVAE()._validate(times, reset=True)
    assert X.dtype == np.float64
    inputs, _ = SequenceDataset(X)[[0]]
    np.testing.assert_array_equal(inputs["items"], [[3, 2, 1]])  # latest last


def test_embedding_dropout_acts_in_training_only(sequences, fitted):
    model = SVAE(**{**TINY, "embedding_dropout": 0.5}).fit(sequences)
    assert model.net_.module_.embedding_dropout.p == 0.5
    first = model.predict(sequences[:20])
    np.testing.assert_array_equal(model.predict(sequences[:20]), first)
    assert not np.allclose(first, fitted.predict(sequences[:20]))


def test_next_k_loss_equals_a_log_softmax_loop_with_the_same_gradients():
    torch.manual_seed(0)
    logits = torch.randn(5, 9, 7, requires_grad=True)
    lengths = torch.tensor([9, 4, 1, 0, 6])
    items = torch.randint(1, 8, (5, 9)) * (torch.arange(9) < lengths[:, None])
    log_p = torch.log_softmax(logits, dim=-1)
    terms = [
        -log_p[r, t, items[r, t + j] - 1]
        for r in range(5)
        for t in range(9)
        for j in range(1, 4)
        if t + j < 9 and items[r, t + j] > 0
    ]
    expected = torch.stack(terms).sum() / (items[:, 1:] > 0).sum()
    (expected_grad,) = torch.autograd.grad(expected, logits)
    loss = next_k_nll(logits, items, k=3)
    (grad,) = torch.autograd.grad(loss, logits)
    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(grad, expected_grad)


def test_next_k_loss_of_one_step_sequences_is_zero_and_differentiable():
    logits = torch.randn(2, 1, 4, requires_grad=True)
    loss = next_k_nll(logits, torch.tensor([[1], [3]]), k=4)
    loss.backward()
    assert float(loss) == 0.0
