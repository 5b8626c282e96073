"""The dtype each Keras weight is kept in, derived from its layer's dtype policy.

A layer's configuration holds its policy (``"dtype"``): a name such as ``"float32"``,
``"float16"`` or ``"mixed_float16"``, or a quantized policy with its mode and the name
it was quantized from (``source_name``). Read off Keras 3.15:

- ``keras/src/dtype_policies/dtype_policy.py``: a ``mixed_float16`` or
  ``mixed_bfloat16`` policy keeps its variables in ``float32`` (``variable_dtype``) and
  computes in the lower precision; any other name is both.
- ``keras/src/layers/core/dense.py`` and ``embedding.py``: the quantized builds create
  their integer weights with a dtype of their own, ``int8`` (int8 and int4, two int4
  values packed to a byte) or ``uint8`` (GPTQ, AWQ), save a ReversibleEmbedding's int4
  ``reverse_embeddings_zero``, which ``reversible_embedding.py`` leaves in the variable
  dtype (its ``embeddings_zero`` is int8); ``g_idx`` is always ``float32``,
  and so are a LoRA's factors; every other weight, scales included, has the variable
  dtype of the policy it was quantized from.

A weight whose layer's policy does not say (a ``DTypePolicyMap``, or a policy lstmdoc
does not know) has no derived dtype: its bytes are not derived either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lstmdoc.counting.memory import BYTES
from lstmdoc.keras.specs import quantization

__all__ = ["policy_name", "variable_dtype", "weight_dtype"]

_INTEGER_WEIGHTS = {
    "int8": ("kernel", "embeddings", "reverse_embeddings"),
    "int4": (
        "kernel",
        "kernel_zero",
        "embeddings",
        "embeddings_zero",
        "reverse_embeddings",
    ),
    "gptq": ("kernel", "kernel_zero"),
    "awq": ("kernel", "kernel_zero"),
}
"""The weights each quantization mode keeps as integers, by their names."""

_INTEGER_DTYPE = {"int8": "int8", "int4": "int8", "gptq": "uint8", "awq": "uint8"}


def policy_name(config: Mapping[str, Any]) -> str | None:
    """The float policy a layer's weights follow: its own, or the one it was quantized from.

    ``"float32"`` where the configuration names none (Keras' default policy);
    ``None`` where it names one lstmdoc cannot read, such as a ``DTypePolicyMap``.
    """
    policy = config.get("dtype", "float32")
    if policy is None:
        return "float32"
    if isinstance(policy, Mapping):
        if policy.get("class_name") == "DTypePolicyMap":
            return None
        inner = policy.get("config")
        inner = inner if isinstance(inner, Mapping) else {}
        policy = inner.get("source_name") or inner.get("name")
    if not isinstance(policy, str):
        return None
    return policy.split("_from_")[-1]


def variable_dtype(config: Mapping[str, Any]) -> str | None:
    """The dtype a layer keeps its float weights in: ``float32`` for a ``mixed_*`` policy."""
    name = policy_name(config)
    if name is None:
        return None
    if name.startswith("mixed_"):
        return "float32"
    return name if name in BYTES else None


def weight_dtype(config: Mapping[str, Any], weight: str) -> str | None:
    """The dtype of the weight named ``weight`` of a Keras layer with this configuration."""
    if weight == "g_idx" or weight.startswith("lora_"):
        return "float32"
    mode = quantization(config)
    kind = None if mode is None else mode.split("/")[0]
    if kind is not None and weight in _INTEGER_WEIGHTS.get(kind, ()):
        return _INTEGER_DTYPE[kind]
    return variable_dtype(config)
