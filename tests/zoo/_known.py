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
    "hub_gpt2_causal_lm": {
        "differs": "the CausalLM reuses backbone.token_embedding at the top level, and the "
        "backbone's row loses it: lstmdoc 4,736, Keras 5,760",
        "file-keras": _HUB_FILE,
    },
    "hub_gemma_causal_lm": {
        "differs": "the CausalLM reuses backbone.token_embedding at the top level, and the "
        "backbone's row loses it: lstmdoc 3,152, Keras 4,176",
        "file-keras": _HUB_FILE,
    },
    "shared_dense": {
        "differs": "the shared Dense is counted in the outer model only: inner DIFFERS "
        "(lstmdoc 0, Keras 20)",
        "file-keras": "from the file the shared Dense counts twice: 40 against 20, and the text "
        "says both DISAGREEMENT and that every count agrees",
    },
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

_CONTRADICTS = "the text says 'DISAGREEMENT: the rows add up to ...' and 'Every count agrees'"
_PT_PER_KEY = (
    "a .pt counts a tensor held under several keys once per key (issue 21), and the text "
    "then says every count agrees"
)
_SUBCLASS = "a subclass of a built-in module is a sum of declared nn.Parameter rows (issue 20)"
TORCH_KNOWN: dict[str, dict[str, str]] = {
    "bert_mlm": {
        "total": "tied weights counted twice: the decoder's weight is the word embeddings and "
        "its bias the head's bias; 7,504 against 6,416 (+1,088)",
        "differs": "cls and cls.predictions DIFFER (lstmdoc 1,456, PyTorch 1,392): the tied "
        "bias is counted twice inside the head",
        "file-pt": _PT_PER_KEY + ": 7,504 against 6,416",
    },
    "gpt2_lm": {
        "total": "lm_head.weight is transformer.wte.weight, counted twice: 9,152 against 8,128",
        "verdict": _CONTRADICTS,
        "file-pt": _PT_PER_KEY + ": 9,152 against 8,128",
    },
    "t5": {
        "total": "shared, both embed_tokens and lm_head hold one matrix, counted four times: "
        "14,656 against 11,584",
        "verdict": _CONTRADICTS,
        "file-pt": _PT_PER_KEY + ": 14,656 against 11,584",
    },
    "bart": {
        "total": "model.shared, both embed_tokens and lm_head hold one matrix, counted four "
        "times: 10,816 against 7,744",
        "differs": "model DIFFERS (lstmdoc 9,792, PyTorch 7,744): the shared embedding is "
        "counted three times inside it",
        "buffers": "final_logits_bias, a buffer of the root module, is missed: 0 against 64",
        "rules": "BartScaledWordEmbedding and BartLearnedPositionalEmbedding: " + _SUBCLASS,
        "file-pt": _PT_PER_KEY + ", and final_logits_bias is counted as a parameter: 10,880 "
        "against 7,744, buffers 0 against 64",
    },
    "llama_tied": {
        "total": "tie_word_embeddings: lm_head.weight is model.embed_tokens.weight, counted "
        "twice: 6,736 against 5,712",
        "verdict": _CONTRADICTS,
        "file-pt": _PT_PER_KEY + ": 6,736 against 5,712",
    },
    "whisper": {
        "total": "proj_out.weight is the decoder's embed_tokens.weight, counted twice: 9,328 "
        "against 8,304",
        "verdict": _CONTRADICTS,
        "rules": "WhisperPositionalEmbedding: " + _SUBCLASS,
        "file-pt": _PT_PER_KEY + ": 9,328 against 8,304",
    },
    "convnext": {"rules": "ConvNextLayerNorm: " + _SUBCLASS},
    "wav2vec2": {
        "rules": "weight_norm's ParametrizedConv1d and its ParametrizationList (original0, "
        "original1) are sums of declared rows",
    },
    "tv_convnext_tiny": {"rules": "torchvision's LayerNorm2d: " + _SUBCLASS},
    "tv_r3d_18": {"rules": "torchvision's Conv3DSimple: " + _SUBCLASS},
    "timm_coat_tiny": {
        "differs": "modules shared between blocks: the second parent loses them, and 45 rows "
        "DIFFER (serial_blocks1.0.factoratt_crpe: lstmdoc 93,024, PyTorch 97,736)",
        "rules": "timm's LayerNorm: " + _SUBCLASS,
        "file-pt": _PT_PER_KEY + ": 7,860,316 against 5,498,540",
    },
    "timm_test_byobnet": {"rules": "timm's BatchNormAct2d: " + _SUBCLASS},
    "timm_test_efficientnet": {"rules": "timm's BatchNormAct2d: " + _SUBCLASS},
    "timm_test_efficientnet_gn": {"rules": "timm's GroupNormAct: " + _SUBCLASS},
    "timm_test_efficientnet_ln": {"rules": "timm's LayerNormAct2d: " + _SUBCLASS},
    "timm_test_nfnet": {"rules": "timm's ScaledStdConv2d: " + _SUBCLASS},
    "timm_test_convnext": {"rules": "timm's LayerNorm2d and LayerNorm: " + _SUBCLASS},
    "timm_test_vit": {"rules": "timm's LayerNorm: " + _SUBCLASS},
    "timm_test_maxvit": {
        "rules": "timm's BatchNormAct2d, LayerNorm and LayerNorm2d: " + _SUBCLASS,
    },
    "tied_embedding": {
        "total": "the head's weight is the embedding's, counted twice: 80 against 40",
        "verdict": _CONTRADICTS,
        "file-pt": _PT_PER_KEY + ": 80 against 40",
    },
    "shared_module": {
        "differs": "the second parent loses the shared Linear: 1 DIFFERS (lstmdoc 0, PyTorch 20)",
        "file-pt": _PT_PER_KEY + ": 40 against 20",
    },
    "my_conv": {"rules": "MyConv, explained alone, is two declared rows: " + _SUBCLASS},
    "my_conv_inside": {"rules": "MyConv: " + _SUBCLASS},
    "root_state": {
        "buffers": "the root module's own buffer is missed: 0 against 5",
        "verdict": "the text says every count agrees, though the buffers are 0 against 5",
        "file-pt": "the root's buffer is counted as a parameter (35 against 30), and the text "
        "says every count agrees",
    },
    "quantized_lstm": {
        "stored": "the packed int8 weights are not shown: the report says 'No layer owns "
        "weights.' (issue 20)",
        "file-pt": "refused as 'pickled Python objects (a whole model saved with "
        "torch.save(model)?)', though it is a state_dict: its packed parameters are "
        "ScriptObjects, which torch.load(weights_only=True) does not build",
    },
}
