"""Engine-only tests: losses against hand computation, module shapes."""

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
