"""skorch nets with Hugging Face accelerate (imported only when asked for).

Each class mixes skorch's :class:`skorch.hf.AccelerateMixin` into one of the
package's nets; they are module-level classes so that their weights can be
saved and the estimator cloned like any other.
"""

from skorch.hf import AccelerateMixin

from ._skorch._nets import CDAENet, RecommenderNet, RefeedingNet, SVAENet, VAENet


class _Accelerated(AccelerateMixin):
    """``AccelerateMixin`` whose ``initialize`` also resets the net's counters.

    skorch's mixin re-implements ``initialize`` without calling the net's own,
    so the per-fit reset (e.g. the annealing counter) is called here.
    """

    def initialize(self):
        super().initialize()
        self.reset_counters()
        return self


class AcceleratedRecommenderNet(_Accelerated, RecommenderNet):
    """:class:`RecommenderNet` trained through an ``accelerate.Accelerator``."""


class AcceleratedRefeedingNet(_Accelerated, RefeedingNet):
    """:class:`RefeedingNet` trained through an ``accelerate.Accelerator``."""


class AcceleratedVAENet(_Accelerated, VAENet):
    """:class:`VAENet` trained through an ``accelerate.Accelerator``."""


class AcceleratedCDAENet(_Accelerated, CDAENet):
    """:class:`CDAENet` trained through an ``accelerate.Accelerator``."""


class AcceleratedSVAENet(_Accelerated, SVAENet):
    """:class:`SVAENet` trained through an ``accelerate.Accelerator``."""


_ACCELERATED = {
    RecommenderNet: AcceleratedRecommenderNet,
    RefeedingNet: AcceleratedRefeedingNet,
    VAENet: AcceleratedVAENet,
    CDAENet: AcceleratedCDAENet,
    SVAENet: AcceleratedSVAENet,
}


def accelerated(net_cls):
    """The accelerate variant of one of the package's net classes."""
    return _ACCELERATED[net_cls]
