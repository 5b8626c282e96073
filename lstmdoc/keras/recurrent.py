"""Rules for Keras' recurrent layers, their cells, and the wrappers that hold them.

Read off ``keras/src/layers/rnn/`` (``lstm.py``, ``gru.py``, ``simple_rnn.py``,
``rnn.py``, ``stacked_rnn_cells.py``, ``bidirectional.py``, ``time_distributed.py``).
``LSTM``, ``GRU`` and ``SimpleRNN``, and their cells, count by their families in
:mod:`lstmdoc.counting.families`, as ``lstmdoc count`` prints them, mult-adds
included: a layer's for the time steps of the shape it was built on, a cell's for one
step, which an ``RNN`` or a ``TimeDistributed`` runs once a step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lstmdoc.counting import formulas
from lstmdoc.counting.families import KERAS_RECURRENT
from lstmdoc.counting.family import breakdown
from lstmdoc.keras.core import only, plus
from lstmdoc.keras.costs import repeated, sequence_steps
from lstmdoc.keras.specs import Rule, Shapes, spec_of, sublayer
from lstmdoc.report.costs import family_cost
from lstmdoc.report.rules import Cost, Derivation, Spec

__all__ = ["LAYER_RULES"]

# Each recurrent layer and its cell create the same weights.
_FAMILIES = {
    **KERAS_RECURRENT,
    **{f"{name}Cell": family for name, family in KERAS_RECURRENT.items()},
}


def _recurrent(kind: str) -> Rule:
    family = _FAMILIES[kind]

    def rule(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
        steps, per = sequence_steps(shapes.first)
        arguments = {
            "units": int(config["units"]),
            "features": int(shapes.first[-1]),
            "steps": steps,
            "use_bias": bool(config["use_bias"]),
        }
        if family.layer == "GRU":
            arguments["reset_after"] = bool(config["reset_after"])
        counted = breakdown(family, arguments)
        return Derivation(
            counted.weights,
            counted.substituted,
            legend=counted.formula,
            cost=family_cost(counted, per),
        )

    return rule


def _rnn(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    sequences = shapes.get("sequences_shape") or shapes.first
    cell = sublayer(config["cell"], (sequences[0], *sequences[2:]))
    return Derivation(
        children=(cell,),
        compose=only,
        label=f"RNN({cell.class_name})",
        cost_compose=repeated(*sequence_steps(sequences)),  # the cell, once a step
    )


def _stacked_cells(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    batch, features = shapes.first[0], shapes.first[-1]
    cells = []
    for serialized in config["cells"]:
        cell = spec_of(serialized) if features is None else sublayer(serialized, (batch, features))
        cells.append(cell)
        # A cell's output, the next cell's input, is its units; for another cell the
        # next cell's own recorded input shape is used.
        units = cell.config.get("units") if cell.class_name in _FAMILIES else None
        features = None if units is None else int(units)
    return Derivation(children=tuple(cells), compose=plus)


def _bidirectional(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    # Both directions see the same input; merge_mode only combines their outputs.
    forward = sublayer(config["layer"], shapes.first)
    given = config.get("backward_layer")
    backward = _backward(forward) if not given else sublayer(given, shapes.first)
    names = dict.fromkeys([forward.class_name, backward.class_name])

    def compose(formulas_of: Sequence[str]) -> str:
        first, second = formulas_of
        return f"2 × {formulas.grouped(first)}" if first == second else f"{first} + {second}"

    def cost(directions: Sequence[Cost]) -> Cost | None:
        first, second = directions
        if first.per != second.per:
            return None
        total = first.mult_adds + second.mult_adds
        return Cost(total, compose([first.formula, second.formula]), first.per)

    return Derivation(
        children=(forward, backward),
        compose=compose,
        label=f"Bidirectional({', '.join(names)})",
        cost_compose=cost,
    )


def _backward(forward: Spec) -> Spec:
    """The backward copy Keras makes of a Bidirectional's layer when none is given."""
    config = dict(forward.config)
    name = str(config.get("name", ""))
    config["name"] = "backward_" + name.removeprefix("forward_")
    config["go_backwards"] = not config.get("go_backwards", False)
    return Spec(
        class_name=forward.class_name,
        module=forward.module,
        config=config,
        build_config=forward.build_config,
        registered_name=forward.registered_name,
    )


def _time_distributed(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    # The wrapped layer sees one time step: the input without its time axis.
    inner = sublayer(config["layer"], (shapes.first[0], *shapes.first[2:]))
    return Derivation(
        children=(inner,),
        compose=only,
        label=f"TimeDistributed({inner.class_name})",
        cost_compose=repeated(*sequence_steps(shapes.first)),  # the layer, once a step
    )


LAYER_RULES: dict[str, Rule] = {
    **{name: _recurrent(name) for name in _FAMILIES},
    "RNN": _rnn,
    "StackedRNNCells": _stacked_cells,
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
}
"""The rules of Keras' recurrent layers and their wrappers, by class name."""
