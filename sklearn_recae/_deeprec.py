"""DeepRec (Kuchaiev & Ginsburg 2017): a deep user-based rating autoencoder."""

from numbers import Integral, Real

from ._net import RefeedingNet
from ._rating_autoencoder import RatingAutoencoder
from .base import TORCH_PARAMETER_CONSTRAINTS
from .nn import DeepRecModule, MaskedMSELoss
from .nn._modules import ACTIVATIONS
from .utils._validation import Interval, StrOptions


class DeepRec(RatingAutoencoder):
    """DeepRec: NVIDIA's deep autoencoder for rating prediction.

    A user's ratings ``x`` (items as inputs) pass a deep encoder of SELU layers,
    dropout on the code, and a mirrored decoder with a linear last layer,
    trained on the masked mean squared error over observed ratings (MMSE,
    Kuchaiev & Ginsburg 2017, eq. 1) with SGD and momentum. *Dense
    re-feeding* (section 2.3): after each update on ``x``, the dense output
    ``f(x)`` is fed back as both input and target for a second update, as
    NVIDIA's reference does once per batch (``refeed_steps=1``).

    DeepRec is inductive: any user is scored from their observed ratings.
    Predictions are clipped to the training rating range; items without any
    training rating get the global mean and rows without ratings the item
    means. Memory: one dense batch of ``batch_size`` users at a time.

    Parameters
    ----------
    hidden_dims : tuple of int, default=(512, 512, 1024)
        Encoder layer sizes (the last is the code); the decoder mirrors them.
    activation : str, default='selu'
        Activation of every hidden layer.
    dropout : float, default=0.8
        Drop probability on the code layer.
    refeed_steps : int, default=1
        Dense re-feeding updates per batch (0 disables it).
    l2 : float, default=0.001
        Weight decay on the weights (NVIDIA's ``weight_decay``).
    lr : float, default=0.005
        Learning rate.
    momentum : float, default=0.9
        SGD momentum (used when ``optimizer='sgd'``).
    max_epochs : int, default=40
        Number of passes over the training users.
    batch_size : int, default=128
        Users per mini-batch.
    optimizer : {'adam', 'adamw', 'sgd', 'adagrad', 'rmsprop'} or class, \
            default='sgd'
        torch optimizer.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of each user's ratings and stop when
        their masked MSE has not improved for ``n_iter_no_change`` epochs,
        keeping the best epoch's weights (skorch's ``EarlyStopping``).
    validation_fraction : float, default=0.1
        Share of ratings held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    device : {'cpu', 'cuda', 'auto'} or str, default='cpu'
        torch device; a clear error if CUDA is asked for and absent.
    random_state : int, RandomState instance or None, default=None
        Seed of initialisation, dropout, shuffling and the validation split.
    verbose : int, default=0
        0: silent; 1: skorch's epoch table; 2: also skorch's progress bar.
    callbacks : list of (str, skorch Callback) or None, default=None
        Extra skorch callbacks.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net.
    history_ : skorch.History
        Per-epoch training (and validation) losses.
    n_features_in_ : int
        Number of items.

    References
    ----------
    .. [1] O. Kuchaiev, B. Ginsburg. "Training Deep AutoEncoders for
       Collaborative Filtering." arXiv:1708.01715, 2017.
       https://doi.org/10.48550/arXiv.1708.01715

    Examples
    --------
    >>> from sklearn_recae import DeepRec
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=60, n_items=30, random_state=0)
    >>> model = DeepRec(hidden_dims=(16, 8), max_epochs=2, random_state=0).fit(X)
    >>> model.predict(X[:2]).shape
    (2, 30)
    """

    _net_cls = RefeedingNet
    _module_cls = DeepRecModule
    _parameter_constraints = {
        "hidden_dims": [tuple, list],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "refeed_steps": [Interval(Integral, 0, None, closed="left")],
        "l2": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        **TORCH_PARAMETER_CONSTRAINTS,
    }

    def __init__(
        self,
        hidden_dims=(512, 512, 1024),
        *,
        activation="selu",
        dropout=0.8,
        refeed_steps=1,
        l2=0.001,
        lr=0.005,
        momentum=0.9,
        max_epochs=40,
        batch_size=128,
        optimizer="sgd",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        self.hidden_dims = hidden_dims
        self.activation = activation
        self.dropout = dropout
        self.refeed_steps = refeed_steps
        self.l2 = l2
        self.lr = lr
        self.momentum = momentum
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    def _module_params(self, n_inputs):
        return {
            "n_inputs": n_inputs,
            "hidden_dims": tuple(self.hidden_dims),
            "activation": self.activation,
            "dropout": self.dropout,
        }

    def _criterion(self):
        return MaskedMSELoss(reduction="observed")

    def _optimizer_params(self, n_rows):
        params = {"weight_decay": self.l2}
        if self.optimizer == "sgd":
            params["momentum"] = self.momentum
        return params

    def _net_params(self):
        return {"refeed_steps": self.refeed_steps}
