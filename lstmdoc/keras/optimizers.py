"""How many variables a built Keras optimizer keeps, from its configuration.

Keras counts ``optimizer.variables`` as the summary's "Optimizer params". Read off
each optimizer's ``build()`` in ``keras/src/optimizers/`` and
``keras/src/optimizers/base_optimizer.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lstmdoc.counting import formulas
from lstmdoc.counting.memory import itemsize
from lstmdoc.keras.specs import keras_own
from lstmdoc.report.rows import LayerRow, OptimizerRow, total

__all__ = ["derive_optimizer", "optimizer_layout", "optimizer_row"]

_SLOTS: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "SGD": lambda config: ["momentum"] if config.get("momentum") else [],
    "Adam": lambda config: (
        ["momentum", "velocity"] + (["velocity_hat"] if config.get("amsgrad") else [])
    ),
    "AdamW": lambda config: (
        ["momentum", "velocity"] + (["velocity_hat"] if config.get("amsgrad") else [])
    ),
    "Adamax": lambda _config: ["m", "u"],
    "Nadam": lambda _config: ["momentum", "velocity"],
    "RMSprop": lambda config: (
        ["velocity"]
        + (["momentum"] if config.get("momentum") else [])
        + (["average_gradient"] if config.get("centered") else [])
    ),
    "Adagrad": lambda _config: ["accumulator"],
    "Adadelta": lambda _config: ["accumulated_grad", "accumulated_delta_var"],
    "Ftrl": lambda _config: ["accumulator", "linear"],
    "Lion": lambda _config: ["momentum"],
    "Lamb": lambda _config: ["momentum", "velocity"],
}
"""The variables each Keras optimizer keeps for every trainable weight (its ``build()``)."""


def derive_optimizer(
    spec: Mapping[str, Any], trainable_params: int | None
) -> tuple[str | None, int | None, str]:
    """Derive a built optimizer's variable count from its spec and the trainable count.

    Keras counts ``optimizer.variables`` as "Optimizer params": every optimizer keeps
    two scalars, its step counter ``iteration`` and, unless its learning rate is a
    schedule, ``learning_rate``; each then keeps its slots, one array the shape of
    each trainable weight.

    Returns:
        ``(formula, count, explanation)``; formula and count are ``None`` where
        lstmdoc has no rule for the optimizer.
    """
    name = str(spec.get("class_name", "?"))
    config = spec.get("config")
    if not isinstance(config, Mapping) or not keras_own(
        spec.get("module"), spec.get("registered_name"), name
    ):
        return None, None, f"{name} is not one of Keras' optimizers: lstmdoc has no formula for it."
    if name == "LossScaleOptimizer":
        inner = config.get("inner_optimizer")
        formula, count, explanation = derive_optimizer(
            inner if isinstance(inner, Mapping) else {}, trainable_params
        )
        if formula is None or count is None:
            return None, None, explanation
        return (
            f"{formulas.grouped(formula)} + 4",
            count + 4,
            (
                f"{explanation} LossScaleOptimizer adds its own iteration and learning_rate, "
                "and step_counter and dynamic_scale."
            ),
        )
    if name not in _SLOTS:
        return None, None, f"lstmdoc has no formula for {name}'s variables."
    slots, scalars = _kept(name, config)
    scheduled = isinstance(config.get("learning_rate"), Mapping)
    kept = (
        f"{len(slots)} slot{'s' if len(slots) != 1 else ''} ({', '.join(slots)}) "
        "for each trainable parameter"
        if slots
        else "no slot for the trainable parameters"
    )
    explanation = (
        f"{name} keeps {kept}, plus {len(scalars)} scalar{'s' if len(scalars) != 1 else ''} "
        f"({', '.join(scalars)}): iteration counts the steps"
        + (
            "; the learning rate is a schedule, computed from iteration, and keeps no variable."
            if scheduled
            else "."
        )
    )
    if trainable_params is None:
        return None, None, f"{explanation} The trainable count is not derived, so neither is this."
    formula = f"{len(slots)} × {trainable_params} + {len(scalars)}"
    return formula, len(slots) * trainable_params + len(scalars), explanation


_SCALAR_DTYPES = {
    "iteration": "int64",
    "learning_rate": "float32",
    "step_counter": "int64",
    "dynamic_scale": "float32",
}
"""The dtypes of the scalars an optimizer keeps, on TensorFlow (JAX keeps ``iteration`` in
``int32``): ``iteration`` is ``dtype="int"``, ``learning_rate`` Keras' ``floatx()``;
Nadam's ``u_product`` takes its first weight's dtype."""


def optimizer_layout(spec: Mapping[str, Any], first_dtype: str | None) -> tuple[int, int] | None:
    """How a built optimizer's variables take memory: its slots per weight, and its scalars' bytes.

    Each slot is made like the weight it follows (``add_variable_from_reference``), so
    the slots take ``slots × trainable_bytes``; the scalars take the bytes of their
    dtypes (:data:`_SCALAR_DTYPES`). ``None`` for an optimizer without a rule.

    Args:
        spec: the optimizer's spec, as for :func:`derive_optimizer`.
        first_dtype: the dtype of the model's first trainable weight (Nadam's
            ``u_product``), or ``None`` where not known.
    """
    name = str(spec.get("class_name", "?"))
    config = spec.get("config")
    if not isinstance(config, Mapping) or not keras_own(
        spec.get("module"), spec.get("registered_name"), name
    ):
        return None
    if name == "LossScaleOptimizer":
        inner = config.get("inner_optimizer")
        within = optimizer_layout(inner if isinstance(inner, Mapping) else {}, first_dtype)
        added = ["iteration", "learning_rate", "step_counter", "dynamic_scale"]
        return None if within is None else (within[0], within[1] + _scalar_bytes(added, None))
    if name not in _SLOTS:
        return None
    slots, scalars = _kept(name, config)
    if "u_product" in scalars and first_dtype is None:
        return None
    return len(slots), _scalar_bytes(scalars, first_dtype)


def _scalar_bytes(scalars: Sequence[str], first_dtype: str | None) -> int:
    dtypes = [_SCALAR_DTYPES.get(scalar, first_dtype or "float32") for scalar in scalars]
    return sum(itemsize(dtype) or 0 for dtype in dtypes)


def _kept(name: str, config: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The slots an optimizer keeps for each trainable weight, and the scalars it keeps once."""
    slots = _SLOTS[name](config)
    if config.get("use_ema"):
        slots.append("average")
    if config.get("gradient_accumulation_steps"):
        slots.append("gradient_accumulator")
    # Scalars kept once for the whole model: the step counter, the learning rate unless
    # it is a schedule (computed from the step, it keeps no variable), and Nadam's
    # running product of its momentum factors.
    scheduled = isinstance(config.get("learning_rate"), Mapping)
    scalars = ["iteration"] + ([] if scheduled else ["learning_rate"])
    if name == "Nadam":
        scalars.append("u_product")
    return slots, scalars


def optimizer_row(
    spec: Mapping[str, Any], rows: Sequence[LayerRow], framework_params: int | None
) -> OptimizerRow:
    """A built optimizer's row: its count and layout derived for the model's ``rows``.

    Args:
        spec: the optimizer's spec (``class_name``, ``module``, ``config``).
        rows: the model's rows, whose depth-0 trainable counts the slots follow.
        framework_params: Keras' count of its variables, or ``None`` where not read.
    """
    trainable = total(row.trainable_params for row in rows if row.depth == 0)
    formula, count, explanation = derive_optimizer(spec, trainable)
    first = next(
        (
            weight.dtype
            for row in rows
            if row.trainable_params and row.basis != "shared"
            for weight in row.weights
            if weight.trainable
        ),
        None,
    )
    layout = optimizer_layout(spec, first)
    return OptimizerRow(
        str(spec.get("class_name")),
        formula,
        count,
        framework_params,
        explanation,
        slots=None if layout is None else layout[0],
        scalar_bytes=None if layout is None else layout[1],
    )
