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
