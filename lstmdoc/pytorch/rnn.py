"""Rules for ``torch.nn``'s recurrent modules, LSTM, GRU and RNN, and their cells.

Read off ``RNNBase.__init__`` and ``RNNCellBase.__init__`` in
``torch/nn/modules/rnn.py``. The modules count by the ``torch-lstm``, ``torch-gru``
and ``torch-rnn`` families of :mod:`lstmdoc.counting.families`; a cell creates one
layer's weights, named without its ``_l0``. ``batch_first``, ``dropout`` and
``nonlinearity`` change the computation, not the weights.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from lstmdoc.counting.families import TORCH_RECURRENT
from lstmdoc.counting.family import breakdown
from lstmdoc.pytorch.formulas import RECURRENT_BLOCKS
from lstmdoc.pytorch.rule import Config, Found, Shape, TorchRule, derivation, options
from lstmdoc.report.rules import Derivation

__all__ = ["MODULE_RULES"]

_RECURRENT_KEY = re.compile(r"(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?")
_CELL_KEYS = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
_MODES = {blocks: mode for mode, blocks in RECURRENT_BLOCKS.items()}
_SOURCE = "torch/nn/modules/rnn.py"


def _recurrent(mode: str) -> Callable[[Config], Derivation]:
    family = TORCH_RECURRENT[mode]

    def rule(config: Config) -> Derivation:
        arguments: dict[str, Any] = {
            key: config[key]
            for key in ("input_size", "hidden_size", "num_layers", "bias", "bidirectional")
        }
        if mode == "LSTM":
            arguments["proj_size"] = config["proj_size"]
        elif config["proj_size"]:
            raise ValueError(f"a {mode} has no projection, got proj_size={config['proj_size']}")
        return derivation(breakdown(family, arguments))

    return rule


def _cell(mode: str) -> Callable[[Config], Derivation]:
    layer = _recurrent(mode)

    def rule(config: Config) -> Derivation:
        one = layer({**config, "num_layers": 1, "bidirectional": False, "proj_size": 0})
        named = tuple(replace(w, name=w.name.removesuffix("_l0")) for w in one.weights)
        return Derivation(named, one.formula)

    return rule


def recognise_recurrent(tensors: Mapping[str, Shape], children: frozenset[str]) -> Found | None:
    """``weight_ih_l0``, ``weight_hh_l0`` ...: ``LSTM``, ``GRU`` or ``RNN``, by the blocks of ``weight_hh_l0``."""
    keys = tensors
    if children or not keys or not all(_RECURRENT_KEY.fullmatch(key) for key in keys):
        return None
    ih, hh, hr = (keys.get(f"{name}_l0") for name in ("weight_ih", "weight_hh", "weight_hr"))
    if ih is None or hh is None or len(ih) != 2 or len(hh) != 2:
        return None
    projection, hidden = hr if hr is not None and len(hr) == 2 else (0, hh[1])
    if hidden < 1 or hh[0] % hidden or hh[0] // hidden not in _MODES:
        return None
    mode = _MODES[hh[0] // hidden]
    matches = [_RECURRENT_KEY.fullmatch(key) for key in keys]
    config = {
        "input_size": ih[1],
        "hidden_size": hidden,
        "num_layers": 1 + max(int(match.group(2)) for match in matches if match),
        "bias": "bias_ih_l0" in keys,
        "bidirectional": any(key.endswith("_reverse") for key in keys),
        "proj_size": projection,
    }
    call = f"{mode}({ih[1]}, {hidden}" + options(
        ("num_layers", config["num_layers"], 1),
        ("bias", config["bias"], True),
        ("bidirectional", config["bidirectional"], False),
        ("proj_size", projection, 0),
    )
    note = (
        "its nonlinearity (tanh or relu) is not stored, and does not change the count"
        if mode == "RNN"
        else None
    )
    return Found(mode, "rnn", config, call + ")", note)


def recognise_cell(tensors: Mapping[str, Shape], children: frozenset[str]) -> Found | None:
    """``weight_ih`` and ``weight_hh`` without a layer number: a cell."""
    keys = tensors
    if children or not {"weight_ih", "weight_hh"} <= set(keys) <= _CELL_KEYS:
        return None
    ih, hh = keys["weight_ih"], keys["weight_hh"]
    if len(ih) != 2 or len(hh) != 2 or hh[1] < 1 or hh[0] % hh[1] or hh[0] // hh[1] not in _MODES:
        return None
    mode = _MODES[hh[0] // hh[1]]
    config = {"input_size": ih[1], "hidden_size": hh[1], "bias": "bias_ih" in keys}
    call = f"{mode}Cell({ih[1]}, {hh[1]}" + options(("bias", config["bias"], True)) + ")"
    note = (
        "its nonlinearity is not stored, and does not change the count" if mode == "RNN" else None
    )
    return Found(f"{mode}Cell", "rnn", config, call, note)


_READS = ("input_size", "hidden_size", "num_layers", "bias", "bidirectional", "proj_size")
_CELL_READS = ("input_size", "hidden_size", "bias")

MODULE_RULES = {
    **{
        mode: TorchRule(
            _READS, _recurrent(mode), f"{_SOURCE}, RNNBase.__init__", recognise_recurrent
        )
        for mode in RECURRENT_BLOCKS
    },
    **{
        f"{mode}Cell": TorchRule(
            _CELL_READS, _cell(mode), f"{_SOURCE}, RNNCellBase.__init__", recognise_cell
        )
        for mode in RECURRENT_BLOCKS
    },
}
"""The rules of ``torch.nn``'s recurrent modules and cells, by class name."""
