"""How many variables a built Keras optimizer keeps, from its configuration.

Keras counts ``optimizer.variables`` as the summary's "Optimizer params". Read off
each optimizer's ``build()`` in ``keras/src/optimizers/`` and
``keras/src/optimizers/base_optimizer.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lstmdoc.counting import formulas
from lstmdoc.keras.specs import keras_own

__all__ = ["derive_optimizer"]

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
    slots_of = _SLOTS.get(name)
    if slots_of is None:
        return None, None, f"lstmdoc has no formula for {name}'s variables."
    slots = slots_of(config)
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
