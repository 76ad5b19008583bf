"""Engine-only tests: losses against hand computation, module shapes."""

import numpy as np
import pytest
import torch

from sklearn_recae.nn import (
    AutoRecModule,
    DeepRecModule,
    MaskedMSELoss,
    masked_mse,
    masked_squared_error,
)


def test_masked_squared_error_ignores_unobserved_entries():
    y_true = torch.tensor([[4.0, 0.0, 1.0]])
    y_pred = torch.tensor([[3.0, 100.0, 3.0]])
    assert masked_squared_error(y_pred, y_true).tolist() == [[1.0, 0.0, 4.0]]


def test_masked_mse_reductions_by_hand():
    y_true = torch.tensor([[4.0, 0.0, 1.0], [0.0, 0.0, 5.0]])
    y_pred = torch.tensor([[3.0, 100.0, 3.0], [-7.0, 8.0, 2.0]])
    # observed errors: 1, 4 (row 0) and 9 (row 1)
    assert masked_mse(y_pred, y_true).item() == pytest.approx(14 / 3)
    assert masked_mse(y_pred, y_true, reduction="rows").item() == pytest.approx(7.0)
    assert MaskedMSELoss("rows")(y_pred, y_true).item() == pytest.approx(7.0)


def test_unobserved_entries_get_no_gradient():
    y_true = torch.tensor([[4.0, 0.0]])
    y_pred = torch.tensor([[3.0, 50.0]], requires_grad=True)
    masked_mse(y_pred, y_true).backward()
    assert y_pred.grad.tolist() == [[-2.0, 0.0]]


def test_empty_batch_target_gives_zero_not_nan():
    assert masked_mse(torch.ones(2, 3), torch.zeros(2, 3)).item() == 0.0


def test_autorec_module_shapes_and_output_bias():
    module = AutoRecModule(7, hidden_dim=3, output_bias=3.5)
    assert module(torch.zeros(2, 7)).shape == (2, 7)
    assert (module.decoder.bias == 3.5).all()
    assert module.encode(torch.zeros(2, 7)).shape == (2, 3)


def test_deeprec_module_mirrors_the_encoder():
    module = DeepRecModule(10, hidden_dims=(6, 4), dropout=0.5)
    sizes = [
        layer.out_features
        for layer in module.modules()
        if isinstance(layer, torch.nn.Linear)
    ]
    assert sizes == [6, 4, 6, 10]
    assert isinstance(list(module.decoder)[-1], torch.nn.Linear)  # linear last layer
    assert module(torch.zeros(3, 10)).shape == (3, 10)


def test_unknown_activation():
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        AutoRecModule(3, activation="swish")


def test_negative_weights_draw_only_unobserved_items():
    from sklearn_recae.nn import negative_weights

    torch.manual_seed(0)
    y = (torch.rand(200, 500) < 0.05).float()
    weights = negative_weights(y, 3.0)
    assert torch.all(weights[y != 0] == 1)  # every observed item is kept
    negatives = (weights == 1) & (y == 0)
    assert set(weights.unique().tolist()) <= {0.0, 1.0}
    # about 3 negatives per positive, per row on average
    ratio = negatives.sum() / (y != 0).sum()
    assert 2.8 < float(ratio) < 3.2


def test_negative_weights_expectation_and_all_items():
    from sklearn_recae.nn import negative_weights

    y = torch.tensor([[1.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0, 0.0]])
    expected = torch.tensor([[1.0, 0.5, 0.5, 0.5, 0.5], [1.0, 1.0, 1.0, 1.0, 1.0]])
    torch.testing.assert_close(negative_weights(y, 2.0, sample=False), expected)
    assert torch.equal(negative_weights(y, None), torch.ones_like(y))


def test_weighted_entry_loss_by_hand():
    from sklearn_recae.nn import weighted_entry_loss

    logits = torch.tensor([[0.0, 2.0], [1.0, -1.0]])
    y = torch.tensor([[1.0, 0.0], [0.0, 3.0]])  # targets are y != 0
    weights = torch.tensor([[1.0, 0.5], [0.0, 1.0]])
    log2 = float(np.log(2))
    logistic = (log2 + 0.5 * float(np.log1p(np.exp(2.0))) + float(np.log1p(np.e))) / 2
    assert float(weighted_entry_loss(logits, y, weights)) == pytest.approx(logistic)
    squared = (1.0 + 0.5 * 4.0 + 4.0) / 2
    assert float(weighted_entry_loss(logits, y, weights, "squared")) == pytest.approx(
        squared
    )
    with pytest.raises(ValueError, match="'logistic' or 'squared'"):
        weighted_entry_loss(logits, y, weights, "hinge")


def test_cdae_module_user_node_and_fold_in():
    from sklearn_recae.nn import CDAEModule, negative_weights, weighted_entry_loss

    torch.manual_seed(0)
    module = CDAEModule(n_items=30, n_users=4, latent_dim=5, fold_in_steps=0).eval()
    module.user_embedding.weight.data.normal_()
    x = (torch.rand(4, 30) < 0.3).float()
    hidden = module.encoder(x)
    known = module.decoder(module.activation(hidden + module.user_embedding.weight))
    torch.testing.assert_close(module(x, torch.arange(4)), known)
    user_free = module.decoder(module.activation(hidden))
    torch.testing.assert_close(module(x, torch.full((4,), -1)), user_free)
    # the fold-in lowers each unseen user's expected loss below the user-free one
    module.fold_in_steps = 30
    folded = module(x, torch.full((4,), -1))
    weights = negative_weights(x, module.negative_ratio, sample=False)
    for row in range(4):
        rows = slice(row, row + 1)
        assert weighted_entry_loss(folded[rows], x[rows], weights[rows]) < (
            weighted_entry_loss(user_free[rows], x[rows], weights[rows])
        )


def test_vae_loss_is_likelihood_plus_weighted_kl():
    from sklearn_recae.nn import gaussian_kl, multinomial_nll, vae_loss

    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 5, generator=generator)
    y = (torch.rand(3, 5, generator=generator) > 0.5).float()
    mu, logvar = torch.randn(3, 2, generator=generator), torch.zeros(3, 2)
    nll = -(torch.log_softmax(logits, 1) * y).sum(1).mean()
    kl = 0.5 * (mu.square()).sum(1).mean()  # logvar = 0
    assert float(vae_loss(logits, y, mu, logvar, 0.3)) == pytest.approx(
        float(nll + 0.3 * kl), rel=1e-6
    )
    assert float(vae_loss(logits, y, mu, logvar, 0.3, variational=False)) == (
        float(multinomial_nll(logits, y))
    )
    assert float(gaussian_kl(mu, logvar)) == pytest.approx(float(kl), rel=1e-6)


def test_cdae_loss_weights_observed_and_expected_negatives_by_hand():
    from sklearn_recae.nn import cdae_loss

    y = torch.tensor([[1.0, 0.0, 0.0, 0.0]])  # 1 positive, 3 unobserved
    logits = torch.tensor([[0.0, 1.0, 2.0, 3.0]])
    # squared errors 1, 1, 4, 9; ratio 1.5 -> negatives weighted 1.5 / 3 = 0.5
    loss = cdae_loss(logits, y, 1.5, "squared", sample=False)
    assert float(loss) == pytest.approx(1 + 0.5 * (1 + 4 + 9))


def test_svae_loss_counts_the_kl_of_predicting_steps_only():
    from sklearn_recae.nn import next_k_nll, svae_loss

    logits = torch.zeros(2, 3, 4)
    items = torch.tensor([[1, 2, 3], [4, 0, 0]])  # 2 predicting steps, then none
    mu = torch.tensor([[[1.0], [2.0], [5.0]], [[7.0], [0.0], [0.0]]])
    logvar = torch.zeros(2, 3, 1)
    kl = (0.5 * 1.0 + 0.5 * 4.0) / 2  # steps 0 and 1 of row 0
    expected = float(next_k_nll(logits, items, 2)) + 0.5 * kl
    assert float(svae_loss(logits, items, mu, logvar, 0.5, k=2)) == pytest.approx(
        expected
    )


def _linear_case(seed=0, n_rows=4, n_steps=7, n_hidden=5, n_items=9):
    """Hidden states, an output layer and padded item rows (one row empty)."""
    generator = torch.Generator().manual_seed(seed)
    hidden = torch.randn(n_rows, n_steps, n_hidden, generator=generator)
    weight = torch.randn(n_items, n_hidden, generator=generator)
    bias = torch.randn(n_items, generator=generator)
    lengths = torch.tensor([n_steps, 3, 1, 0])[:n_rows]
    items = torch.randint(1, n_items + 1, (n_rows, n_steps), generator=generator)
    items = items * (torch.arange(n_steps) < lengths[:, None])
    return hidden, weight, bias, items


def _loss_and_grads(loss_fn, hidden, weight, bias, *args, **kwargs):
    tensors = [t.detach().clone().requires_grad_() for t in (hidden, weight, bias)]
    loss = loss_fn(*tensors, *args, **kwargs)
    return loss, torch.autograd.grad(loss, tensors)


def _unfused(hidden, weight, bias, items, k):
    from sklearn_recae.nn import next_k_nll

    return next_k_nll(torch.nn.functional.linear(hidden, weight, bias), items, k)


@pytest.mark.parametrize("k", [1, 3, 12])  # 12: past every sequence's end
@pytest.mark.parametrize("block", [1 << 20, 9, 20])  # one block, one row, ragged
def test_linear_next_k_nll_equals_the_unfused_loss_and_gradients(monkeypatch, k, block):
    from sklearn_recae.nn import _losses, linear_next_k_nll

    monkeypatch.setattr(_losses, "_FUSED_BLOCK_ELEMENTS", block)
    case = [t.double() if t.is_floating_point() else t for t in _linear_case()]
    *_, items = case
    expected, expected_grads = _loss_and_grads(_unfused, *case[:3], items, k)
    loss, grads = _loss_and_grads(linear_next_k_nll, *case[:3], items, k)
    torch.testing.assert_close(loss, expected)
    for grad, expected_grad in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(grad, expected_grad)


def test_linear_next_k_nll_scales_its_gradients_with_the_upstream_gradient():
    from sklearn_recae.nn import linear_next_k_nll

    *layer, items = _linear_case(seed=1)
    _, grads = _loss_and_grads(linear_next_k_nll, *layer, items, 2)
    _, tripled = _loss_and_grads(
        lambda *t: 3.0 * linear_next_k_nll(*t, items, 2), *layer
    )
    for grad, grad3 in zip(grads, tripled, strict=True):
        torch.testing.assert_close(grad3, 3.0 * grad)


def test_linear_next_k_nll_without_a_next_item_is_zero_and_differentiable():
    from sklearn_recae.nn import linear_next_k_nll

    hidden, weight, bias, _ = _linear_case()
    items = torch.tensor([[1], [3], [0], [2]])
    loss, grads = _loss_and_grads(linear_next_k_nll, hidden[:, :1], weight, bias, items)
    assert float(loss.detach()) == 0.0
    assert all(float(grad.abs().sum()) == 0.0 for grad in grads)


def test_linear_next_k_nll_in_bfloat16_is_close_and_returns_input_dtypes():
    from sklearn_recae.nn import linear_next_k_nll

    *layer, items = _linear_case(seed=2, n_hidden=16, n_items=40)
    expected, expected_grads = _loss_and_grads(_unfused, *layer, items, 4)
    loss, grads = _loss_and_grads(
        linear_next_k_nll, *layer, items, 4, dtype=torch.bfloat16
    )
    assert loss.dtype == torch.float32
    torch.testing.assert_close(loss, expected, rtol=2e-2, atol=2e-2)
    for grad, expected_grad, tensor in zip(grads, expected_grads, layer, strict=True):
        assert grad.dtype == tensor.dtype
        torch.testing.assert_close(grad, expected_grad, rtol=5e-2, atol=5e-2)


def test_svae_module_trains_on_hidden_states_and_predicts_logits():
    from sklearn_recae.nn import SVAEModule

    module = SVAEModule(n_items=9, embedding_dim=6, rnn_dim=5, hidden_dim=4)
    items = torch.tensor([[1, 2, 3], [4, 0, 0]])
    lengths = torch.tensor([3, 1])
    hidden, mu, logvar = module.train()(items, lengths)
    assert hidden.shape == (2, 3, 4) and mu.shape == logvar.shape == (2, 3, 64)
    assert module.output_layer.weight.shape == (9, 4)
    logits, mu, _ = module.eval()(items, lengths)
    assert logits.shape == (2, 9)
    expected = module.output_layer(module.decoder[:-1](mu))
    torch.testing.assert_close(logits, expected)
