"""How much state a ``torch.optim`` optimizer keeps, from its class and settings.

PyTorch's optimizers keep their state per parameter, in ``optimizer.state[p]``, made
at the first ``step()`` (Adagrad's at construction): arrays the shape and dtype of the
parameter (Adam's ``exp_avg`` and ``exp_avg_sq``), and a ``step`` counter for each
parameter, a scalar ``float32`` tensor on the CPU (``_get_scalar_dtype()``, ``float64``
only under a ``float64`` default dtype). Read off PyTorch 2.13's ``torch/optim/adam.py``,
``sgd.py``, ``rmsprop.py``, ``adagrad.py``, ``nadam.py`` and ``adamax.py``, and checked
by running one step of each (``tests/pytorch/against_torch/test_torch_memory.py``).
SGD without momentum keeps nothing. A parameter that got no gradient gets no state:
these figures are for a step where every parameter got one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lstmdoc.report.rows import LayerRow, OptimizerRow, total

__all__ = ["optimizer_row"]

_SLOTS: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "Adam": lambda settings: (
        ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if settings.get("amsgrad") else [])
    ),
    "AdamW": lambda settings: (
        ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if settings.get("amsgrad") else [])
    ),
    "NAdam": lambda _settings: ["exp_avg", "exp_avg_sq"],
    "Adamax": lambda _settings: ["exp_avg", "exp_inf"],
    "SGD": lambda settings: ["momentum_buffer"] if settings.get("momentum") else [],
    "RMSprop": lambda settings: (
        ["square_avg"]
        + (["momentum_buffer"] if settings.get("momentum") else [])
        + (["grad_avg"] if settings.get("centered") else [])
    ),
    "Adagrad": lambda _settings: ["sum"],
}
"""The arrays each optimizer keeps for every parameter, each of its shape and dtype."""

_SCALARS: dict[str, tuple[str, ...]] = {
    "Adam": ("step",),
    "AdamW": ("step",),
    "NAdam": ("step", "mu_product"),
    "Adamax": ("step",),
    "SGD": (),
    "RMSprop": ("step",),
    "Adagrad": ("step",),
}
"""The float32 scalars each optimizer keeps for every parameter."""

_SCALAR_BYTES = 4  # float32


def optimizer_row(optimizer: Any, rows: Sequence[LayerRow]) -> OptimizerRow:
    """The state a ``torch.optim`` optimizer keeps for the model of ``rows``, and PyTorch's.

    The count is derived for the model's trainable parameters, where the optimizer
    updates exactly those; PyTorch's count, the values in ``optimizer.state``, is read
    once a step has made it, else not checked.
    """
    name = type(optimizer).__name__
    held = [p for group in optimizer.param_groups for p in group["params"]]
    counted = [value for state in optimizer.state.values() for value in _tensors(state)]
    framework = sum(int(value.numel()) for value in counted) if optimizer.state else None
    if name not in _SLOTS:
        return OptimizerRow(
            name, None, None, framework, f"lstmdoc has no formula for {name}'s state."
        )
    slots = _SLOTS[name](optimizer.defaults)
    scalars = _SCALARS[name]
    if not slots and not scalars:
        framework = 0  # it keeps nothing: no step will make any state
    trainable = total(row.trainable_params for row in rows if row.depth == 0)
    kept = (
        f"{len(slots)} array{'s' if len(slots) != 1 else ''} ({', '.join(slots)})"
        if slots
        else "nothing"
    )
    explanation = (
        f"{name} keeps {kept} for each parameter"
        + (
            f", and {len(scalars)} float32 scalar{'s' if len(scalars) != 1 else ''} "
            f"({', '.join(scalars)}) for each of its {len(held)} parameter tensors"
            if scalars
            else ""
        )
        + ", made at its first step."
    )
    if trainable is None or sum(int(p.numel()) for p in held) != trainable:
        return OptimizerRow(
            name,
            None,
            None,
            framework,
            f"{explanation} It does not update exactly the model's trainable parameters, "
            "so its count is not derived.",
        )
    formula = f"{len(slots)} × {trainable}" + (
        f" + {len(scalars)} × {len(held)}" if scalars else ""
    )
    return OptimizerRow(
        name,
        formula,
        len(slots) * trainable + len(scalars) * len(held),
        framework,
        explanation,
        slots=len(slots),
        scalar_bytes=_SCALAR_BYTES * len(scalars) * len(held),
    )


def _tensors(state: Mapping[str, Any]) -> list[Any]:
    return [value for value in state.values() if hasattr(value, "numel")]
