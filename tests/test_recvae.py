"""RecVAE: composite prior, dense encoder, β_u = γ|x_u|, alternating training."""

import numpy as np
import pytest
import torch
from scipy.stats import norm

from sklearn_recae import RecVAE
from sklearn_recae.nn import RecVAEModule, log_normal_pdf, recvae_loss
from sklearn_recae.nn._recvae import CompositePrior, RecVAEEncoder

FAST = dict(hidden_dim=16, latent_dim=4, max_epochs=2, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def fitted(binary):
    return RecVAE(**FAST).fit(binary)


def _prior_by_scipy(z, post_mu, post_logvar, weights=(3 / 20, 3 / 4, 1 / 10)):
    densities = (
        weights[0] * norm.pdf(z, 0.0, 1.0)
        + weights[1] * norm.pdf(z, post_mu, np.exp(0.5 * post_logvar))
        + weights[2] * norm.pdf(z, 0.0, np.exp(5.0))
    )
    return np.log(densities)


def test_composite_prior_log_density_matches_scipy():
    torch.manual_seed(0)
    prior = CompositePrior(n_items=7, hidden_dim=5, latent_dim=3)
    x = (torch.rand(4, 7) < 0.5).float()
    z = 3.0 * torch.randn(4, 3, dtype=torch.float32)
    with torch.no_grad():
        post_mu, post_logvar = prior.encoder_old(x)
        got = prior(x, z).numpy()
    expected = _prior_by_scipy(
        z.double().numpy(), post_mu.double().numpy(), post_logvar.double().numpy()
    )
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    # the frozen copy takes no gradients
    assert not any(p.requires_grad for p in prior.parameters())


def test_log_normal_pdf_matches_scipy():
    z, mu, logvar = (
        torch.tensor([0.3, -2.0]),
        torch.tensor([1.0, 0.5]),
        torch.tensor([0.2, -1.0]),
    )
    expected = norm.logpdf(z.numpy(), mu.numpy(), np.exp(0.5 * logvar.numpy()))
    np.testing.assert_allclose(log_normal_pdf(z, mu, logvar).numpy(), expected, 1e-6)


def _swish(a):
    return a / (1.0 + np.exp(-a))


def _layer_norm(a, gamma, beta, eps):
    mean = a.mean(axis=1, keepdims=True)
    var = a.var(axis=1, keepdims=True)
    return (a - mean) / np.sqrt(var + eps) * gamma + beta


def test_encoder_is_five_densely_connected_layers():
    """h_k = LN(swish(W_k h_{k-1} + b_k + sum_{j<k} h_j)), LN eps 0.1, input
    L2-normalised; recomputed in numpy from the module's weights."""
    torch.manual_seed(0)
    encoder = RecVAEEncoder(n_items=9, hidden_dim=6, latent_dim=2).eval()
    assert len(encoder.linears) == 5
    assert all(ln.eps == 0.1 for ln in encoder.norms)
    x = (torch.rand(3, 9) < 0.5).float()
    x[0, 0] = 1.0
    with torch.no_grad():
        mu, logvar = encoder(x, dropout=0.5)  # eval mode: no dropout
    params = {k: v.double().numpy() for k, v in encoder.state_dict().items()}
    h = x.double().numpy()
    h = h / np.linalg.norm(h, axis=1, keepdims=True)
    outputs = []
    for k in range(5):
        weight = params[f"linears.{k}.weight"]  # the first is items x units
        pre = h @ (weight if k == 0 else weight.T) + params[f"linears.{k}.bias"]
        pre = pre + sum(outputs) if outputs else pre
        h = _layer_norm(
            _swish(pre), params[f"norms.{k}.weight"], params[f"norms.{k}.bias"], 0.1
        )
        outputs.append(h)
    expected_mu = h @ params["fc_mu.weight"].T + params["fc_mu.bias"]
    expected_logvar = h @ params["fc_logvar.weight"].T + params["fc_logvar.bias"]
    np.testing.assert_allclose(mu.numpy(), expected_mu, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(logvar.numpy(), expected_logvar, rtol=1e-4, atol=1e-5)


def test_dropout_only_in_training_and_empty_rows_stay_finite():
    torch.manual_seed(0)
    encoder = RecVAEEncoder(n_items=9, hidden_dim=6, latent_dim=2)
    x = torch.zeros(2, 9)
    x[1, :4] = 1.0
    encoder.train()
    a, b = encoder(x, dropout=0.5)[0], encoder(x, dropout=0.5)[0]
    assert not torch.equal(a[1], b[1])
    encoder.eval()
    assert torch.equal(encoder(x, dropout=0.5)[0], encoder(x, dropout=0.0)[0])
    assert torch.isfinite(encoder(x)[0]).all()


def test_kl_weight_is_gamma_times_row_count(binary, fitted):
    """The net's loss on a batch equals the hand-computed negative ELBO with
    β_u = γ |x_u| per user, the prior's density by scipy."""
    net = fitted.net_
    x = torch.from_numpy(binary[:5].toarray())
    x[0, :] = 0.0
    x[0, :3] = 1.0  # rows of different sizes
    module = net.module_.train()
    torch.manual_seed(1)
    y_pred = module(x)
    gamma = net.gamma
    assert gamma == fitted.gamma == 0.01
    with torch.no_grad():
        loss = float(net.get_loss(y_pred, x, X=x, training=True))
        net.gamma = 0.0
        try:
            loss0 = float(net.get_loss(y_pred, x, X=x, training=True))
        finally:
            net.gamma = gamma
        logits, mu, logvar, z = (t.double().numpy() for t in y_pred)
        post_mu, post_logvar = (t.double().numpy() for t in module.prior.encoder_old(x))
    xs = x.double().numpy()
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    nll = -(log_softmax * xs).sum(axis=1)
    log_q = norm.logpdf(z, mu, np.exp(0.5 * logvar)).sum(axis=1)
    log_p = _prior_by_scipy(z, post_mu, post_logvar).sum(axis=1)
    beta = 0.01 * xs.sum(axis=1)
    assert beta[0] == pytest.approx(0.03)
    expected = np.mean(nll + beta * (log_q - log_p))
    assert loss == pytest.approx(expected, rel=1e-4)
    # gamma scales only the KL term
    assert loss0 == pytest.approx(nll.mean(), rel=1e-4)


def _state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def _changed(before, module):
    return {k for k, v in module.state_dict().items() if not torch.equal(v, before[k])}


def test_each_phase_updates_only_its_part(binary):
    net = RecVAE(**{**FAST, "max_epochs": 1}).fit(binary).net_
    module = net.module_
    enc_params = {id(p) for p in module.encoder.parameters()}
    dec_params = {id(p) for p in module.decoder.parameters()}
    opt_enc = {id(p) for g in net.optimizer_.param_groups for p in g["params"]}
    opt_dec = {id(p) for g in net.optimizer_decoder_.param_groups for p in g["params"]}
    assert opt_enc == enc_params and opt_dec == dec_params
    batch = next(iter(net.get_iterator(net.get_dataset(binary), training=True)))
    for phase, moved, still in [
        ("decoder", module.decoder, module.encoder),
        ("encoder", module.encoder, module.decoder),
    ]:
        net.phase_ = phase
        before_moved, before_still = _state(moved), _state(still)
        old = _state(module.prior)
        net.train_step(batch)
        assert _changed(before_moved, moved), phase
        assert not _changed(before_still, still), phase
        assert not _changed(old, module.prior), phase
        # the part that did not train keeps requiring gradients afterwards
        assert all(p.requires_grad for p in still.parameters())


def test_epoch_is_encoder_passes_prior_update_then_decoder_pass(binary):
    """Per epoch: three encoder passes with dropout, the prior's copy updated,
    one decoder pass with dropout 0; skorch sees one epoch."""
    model = RecVAE(**{**FAST, "max_epochs": 1}).fit(binary)
    net = model.net_
    module = net.module_
    # the encoder has not moved since the copy (the decoder pass leaves it)
    for k, v in module.encoder.state_dict().items():
        assert torch.equal(v, module.prior.encoder_old.state_dict()[k])
    n_batches = -(-270 // 64)  # 300 users, 10% validation
    assert net.history[-1, "train_batch_count"] == 4 * n_batches
    assert model.n_batches_ == 4 * n_batches  # updates an epoch
    assert len(net.history[-1, "batches"]) == 4 * n_batches + 1  # + validation

    calls = []
    module.register_forward_pre_hook(
        lambda m, args, kwargs: calls.append((m.training, kwargs.get("dropout"))),
        with_kwargs=True,
    )
    net.partial_fit(binary)
    training = [d for t, d in calls if t]
    assert training == [None] * (3 * n_batches) + [0.0] * n_batches  # None: 0.6
    assert module.dropout == 0.6


def test_predict_is_the_decoder_at_the_posterior_mean(binary, fitted):
    scores = fitted.predict(binary[:7])
    np.testing.assert_array_equal(scores, fitted.predict(binary[:7]))
    module = fitted.net_.module_.eval()
    with torch.no_grad():
        x = torch.from_numpy(binary[:7].toarray())
        mu = module.encoder(x)[0]
        expected = module.decoder(mu).numpy()
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)
    codes = fitted.transform(binary[:7])
    assert codes.shape == (7, 4)
    np.testing.assert_allclose(codes, mu.numpy(), rtol=1e-5, atol=1e-6)


def test_lr_decay_acts_on_both_optimizers(binary):
    model = RecVAE(**{**FAST, "max_epochs": 2}, lr_decay_every=1, lr_decay=0.5)
    net = model.fit(binary).net_
    assert net.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3 / 4)
    assert net.optimizer_decoder_.param_groups[0]["lr"] == pytest.approx(1e-3 / 4)


def test_caller_validation_users(binary):
    from sklearn_recae.model_selection import holdout_split

    fold_in, fold_out = holdout_split(binary[250:], 0.2, random_state=0)
    model = RecVAE(**FAST).fit(binary[:250], X_val=fold_in, y_val=fold_out)
    assert len(model.history_[:, "valid_ndcg"]) == 2


def test_module_and_loss_shapes():
    module = RecVAEModule(n_items=11, hidden_dim=8, latent_dim=3)
    x = torch.ones(2, 11)
    logits, mu, logvar, z = module(x)
    assert logits.shape == (2, 11) and mu.shape == logvar.shape == z.shape == (2, 3)
    loss = recvae_loss(logits, x, mu, logvar, z, module.prior(x, z), 0.005 * 11)
    assert loss.ndim == 0 and torch.isfinite(loss)
