"""PyTorch's recurrent parameter shapes, written from its documentation, for tests that need no PyTorch.

torch.nn.LSTM's documentation ("Variables"): ``weight_ih_l[k]`` is
``(gate_size, input_size)`` for k = 0, else ``(gate_size, num_directions * P)``;
``weight_hh_l[k]`` is ``(gate_size, P)``; ``bias_ih_l[k]`` and ``bias_hh_l[k]`` are
``(gate_size,)``; ``weight_hr_l[k]`` is ``(proj_size, hidden_size)``; with
``gate_size`` 4, 3 or 1 times ``hidden_size`` and ``P = proj_size or hidden_size``.
Written independently of lstmdoc's own shapes, which the tests hold against it.
"""

from __future__ import annotations

import math

GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def documented_shapes(
    mode: str,
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bias: bool = True,
    bidirectional: bool = False,
    proj_size: int = 0,
) -> dict[str, tuple[int, ...]]:
    """The state_dict shapes PyTorch's documentation gives for these arguments."""
    rows = GATES[mode] * hidden_size
    fed_back = proj_size or hidden_size
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in range(num_layers):
        inputs = input_size if layer == 0 else fed_back * (2 if bidirectional else 1)
        for suffix in ("", "_reverse") if bidirectional else ("",):
            shapes[f"weight_ih_l{layer}{suffix}"] = (rows, inputs)
            shapes[f"weight_hh_l{layer}{suffix}"] = (rows, fed_back)
            if bias:
                shapes[f"bias_ih_l{layer}{suffix}"] = (rows,)
                shapes[f"bias_hh_l{layer}{suffix}"] = (rows,)
            if proj_size:
                shapes[f"weight_hr_l{layer}{suffix}"] = (proj_size, hidden_size)
    return shapes


def documented_count(mode: str, input_size: int, hidden_size: int, **options: object) -> int:
    """The parameter count those documented shapes add up to."""
    shapes = documented_shapes(mode, input_size, hidden_size, **options)  # type: ignore[arg-type]
    return sum(math.prod(shape) for shape in shapes.values())
