"""Device resolution shared by the torch-backed code paths (torch imported lazily)."""


def resolve_device(device):
    """Map ``"cpu"``, ``"cuda"`` (or ``"cuda:N"``) and ``"auto"`` to a device name.

    Raises a ``ValueError`` when CUDA is asked for and not available, instead
    of failing deep inside torch.
    """
    if device == "cpu":
        return "cpu"
    import torch

    has_cuda = torch.cuda.is_available()
    if device == "auto":
        return "cuda" if has_cuda else "cpu"
    if not has_cuda:
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available in this "
            f"PyTorch build ({torch.__version__}). Use device='cpu' or 'auto', or "
            "install a CUDA build of torch (e.g. `make test TORCH=torch`)."
        )
    return device


_PROBE_SIZE = 1024
_bfloat16_speedups = {}


def bfloat16_speedup(device):
    """Measured time of a float32 matrix product over a bfloat16 one on ``device``.

    Square products of ``_PROBE_SIZE`` (best of three after a warm-up),
    measured once per device and process: above 2 on CPUs with AMX and on
    recent GPUs, about 1 or below where bfloat16 is emulated. The inputs are
    constants, so torch's random state is untouched.
    """
    if device not in _bfloat16_speedups:
        _bfloat16_speedups[device] = _time_matmul(device, "float32") / _time_matmul(
            device, "bfloat16"
        )
    return _bfloat16_speedups[device]


def _time_matmul(device, dtype):
    import time

    import torch

    a = torch.full((_PROBE_SIZE, _PROBE_SIZE), 0.5, dtype=getattr(torch, dtype))
    a = a.to(device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    a @ a  # warm-up
    sync()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        a @ a
        sync()
        best = min(best, time.perf_counter() - start)
    return best
