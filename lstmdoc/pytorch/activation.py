"""Rules for ``torch.nn``'s activation modules that own weights: PReLU and MultiheadAttention.

Read off ``torch/nn/modules/activation.py``.
"""

from __future__ import annotations

from collections.abc import Mapping

from lstmdoc.pytorch.rule import Config, Found, Shape, TorchRule, flag, options, size, weights
from lstmdoc.report.rules import Derivation, Spec

__all__ = ["MODULE_RULES"]

_SOURCE = "torch/nn/modules/activation.py"


def _prelu(config: Config) -> Derivation:
    count = size(config, "num_parameters")
    return Derivation(weights(("weight", (count,))), str(count))


def _multihead_attention(config: Config) -> Derivation:
    # MultiheadAttention.__init__: the query, key and value projections are its own
    # parameters, packed in one in_proj_weight when key and value have embed_dim
    # features, and the output projection is a Linear it holds, out_proj.
    width, kdim, vdim = (size(config, key) for key in ("embed_dim", "kdim", "vdim"))
    packed, bias = flag(config, "_qkv_same_embed_dim"), flag(config, "in_proj_bias")
    extra = flag(config, "bias_k")
    named: list[tuple[str, tuple[int, ...]]]
    if packed:
        named = [("in_proj_weight", (3 * width, width))]
        own = f"3 × {width} × ({width} + 1)" if bias else f"3 × {width} × {width}"
    else:
        named = [
            ("q_proj_weight", (width, width)),
            ("k_proj_weight", (width, kdim)),
            ("v_proj_weight", (width, vdim)),
        ]
        own = f"{width} × ({width} + {kdim} + {vdim}" + (" + 3)" if bias else ")")
    named += [("in_proj_bias", (3 * width,))] if bias else []
    if extra:  # add_bias_kv=True: one learned key and value appended to each sequence
        named += [("bias_k", (1, 1, width)), ("bias_v", (1, 1, width))]
        own += f" + 2 × {width}"
    out_proj = Spec(
        class_name="NonDynamicallyQuantizableLinear",
        module="torch.nn.modules.linear",
        config={"name": "out_proj", "in_features": width, "out_features": width, "bias": bias},
    )
    return Derivation(
        weights(*named),
        children=(out_proj,),
        compose=lambda formulas: f"{own} + {formulas[0]}",
    )


def recognise_attention(tensors: Mapping[str, Shape], children: frozenset[str]) -> Found | None:
    """``in_proj_weight`` (or ``q_proj_weight`` ...) beside ``out_proj``: ``MultiheadAttention``."""
    keys = tensors
    if children != {"out_proj"}:
        return None
    if "in_proj_weight" in keys and len(keys["in_proj_weight"]) == 2:
        width = keys["in_proj_weight"][1]
        kdim = vdim = width
    elif {"q_proj_weight", "k_proj_weight", "v_proj_weight"} <= set(keys):
        width, kdim, vdim = (keys[f"{name}_proj_weight"][-1] for name in "qkv")
    else:
        return None
    config = {
        "embed_dim": width,
        "kdim": kdim,
        "vdim": vdim,
        "_qkv_same_embed_dim": "in_proj_weight" in keys,
        "in_proj_bias": "in_proj_bias" in keys,
        "bias_k": "bias_k" in keys,
    }
    call = f"MultiheadAttention({width}, num_heads" + options(
        ("kdim", kdim, width),
        ("vdim", vdim, width),
        ("bias", config["in_proj_bias"], True),
        ("add_bias_kv", config["bias_k"], False),
    )
    note = "num_heads is not stored in a state_dict, and does not change the count"
    return Found("MultiheadAttention", "activation", config, call + ")", note)


MODULE_RULES = {
    "PReLU": TorchRule(("num_parameters",), _prelu, f"{_SOURCE}, PReLU.__init__"),
    "MultiheadAttention": TorchRule(
        ("embed_dim", "kdim", "vdim", "_qkv_same_embed_dim", "in_proj_bias?", "bias_k?"),
        _multihead_attention,
        f"{_SOURCE}, MultiheadAttention.__init__",
        recognise_attention,
    ),
}
"""The rules of ``torch.nn``'s activation modules that own weights, by class name."""
