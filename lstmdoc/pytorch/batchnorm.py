"""Rules for ``torch.nn``'s batch and instance norms, with their running statistics.

Read off ``_NormBase.__init__`` in ``torch/nn/modules/batchnorm.py``: a learned
scale and shift per feature (``affine=True``; the shift unless the keyword-only
``bias=False``) and, with ``track_running_stats=True``,
three buffers, which are not parameters. All count by the ``torch-batch-norm`` family.
"""

from __future__ import annotations

from collections.abc import Mapping

from lstmdoc.counting import breakdown
from lstmdoc.pytorch.rule import Config, Found, Shape, TorchRule, derivation, flag, options, size
from lstmdoc.report.rules import Derivation

__all__ = ["MODULE_RULES"]


def _norm_base(config: Config) -> Derivation:
    return derivation(
        breakdown(
            "torch-batch-norm",
            num_features=size(config, "num_features"),
            affine=flag(config, "affine"),
            track_running_stats=flag(config, "track_running_stats"),
            bias=flag(config, "bias"),
        )
    )


def recognise_batch_norm(tensors: Mapping[str, Shape], children: frozenset[str]) -> Found | None:
    """``running_mean`` and ``running_var``: a batch (or instance) norm with its buffers."""
    mean = tensors.get("running_mean")
    if children or mean is None or len(mean) != 1:
        return None
    config = {
        "num_features": mean[0],
        "affine": "weight" in tensors,
        "track_running_stats": True,
        "bias": "bias" in tensors or "weight" not in tensors,
    }
    call = (
        f"BatchNorm*d({mean[0]}"
        + options(("affine", config["affine"], True), ("bias", config["bias"], True))
        + ")"
    )
    note = (
        "a state_dict does not say whether this is BatchNorm1d, 2d or 3d, or an "
        "InstanceNorm with track_running_stats=True: all of them count the same"
    )
    return Found("BatchNorm1d", "batchnorm", config, call, note)


_READS = ("num_features", "affine", "track_running_stats", "bias?")
_SOURCE = "torch/nn/modules/batchnorm.py, _NormBase.__init__"

MODULE_RULES = {
    "BatchNorm1d": TorchRule(_READS, _norm_base, _SOURCE, recognise_batch_norm),
    **{
        name: TorchRule(_READS, _norm_base, _SOURCE)
        for name in (
            "BatchNorm2d",
            "BatchNorm3d",
            "SyncBatchNorm",
            "InstanceNorm1d",
            "InstanceNorm2d",
            "InstanceNorm3d",
        )
    },
}
"""The rules of ``torch.nn``'s batch and instance norms, by class name."""
