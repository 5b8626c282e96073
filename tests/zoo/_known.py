"""What lstmdoc gets wrong on the zoo today: model -> check -> why, for each framework.

Each entry becomes a strict expected failure (``tests.zoo._harness.cases``): the run
stays green while lstmdoc fails the check for this reason, and fails as soon as a fix
makes the check pass. Remove the entry then. The reasons are issue 20's and issue 21's
findings, with the numbers the zoo measured. A file format lstmdoc does not read at
all is not listed here: its ``FileFormat(supported=False)`` marks every model's check.
"""

from __future__ import annotations

# --- Keras ----------------------------------------------------------------------------

_HUB_FILE = (
    "a .keras file of keras-hub's registered classes collapses to one 'not derived' row, "
    "so there is no total (issue 21)"
)
_QUANTIZED = "quantized Embedding, Dense and EinsumDense are 'not derived' (issue 20)"
KERAS_KNOWN: dict[str, dict[str, str]] = {
    "ConvNeXtTiny": {
        "rules": "LayerScale (keras.src.applications.convnext) is a custom class: a sum of "
        "rows declared with add_weight, named variable (issue 20)",
        "file-keras": "LayerScale has no count from a file, so there is no total",
    },
    "InceptionResNetV2": {
        "file-keras": "CustomScaleLayer (keras.src.applications.inception_resnet_v2), which "
        "holds no weights, has no count from a file, so there is no total",
    },
    **{
        f"hub_{name}_backbone": {"file-keras": _HUB_FILE}
        for name in ("gpt2", "bert", "albert", "llama", "mistral", "t5", "bart", "vit")
    },
    "hub_gpt2_causal_lm": {"file-keras": _HUB_FILE},
    "hub_gemma_causal_lm": {"file-keras": _HUB_FILE},
    **{
        f"quantized_{mode}": {
            "total": f"{_QUANTIZED}: no total",
            "rules": _QUANTIZED,
            "file-keras": f"{_QUANTIZED}: no total from the file either",
        }
        for mode in ("int8", "int4", "float8")
    },
}


# --- PyTorch --------------------------------------------------------------------------

TORCH_KNOWN: dict[str, dict[str, str]] = {
    "wav2vec2": {
        "rules": "weight_norm's ParametrizedConv1d and its ParametrizationList (original0, "
        "original1) are sums of declared rows",
    },
    "root_state": {
        "file-pt": "the root's buffer is counted as a parameter (35 against 30): a state_dict "
        "names no buffer, and an unrecognised module's tensors are all counted (issue 21)",
    },
    "quantized_lstm": {
        "stored": "the packed int8 weights are not shown: the report says 'No layer owns "
        "weights.' (issue 20)",
        "file-pt": "refused as 'pickled Python objects (a whole model saved with "
        "torch.save(model)?)', though it is a state_dict: its packed parameters are "
        "ScriptObjects, which torch.load(weights_only=True) does not build",
    },
}
