"""The PyTorch zoo: transformers, torchvision and timm models, and the smallest cases, from configs.

No weights are downloaded: ``transformers`` models are built from small configurations
(``HF_HUB_OFFLINE`` is set by ``conftest.py``), torchvision's with ``weights=None`` and
timm's with ``pretrained=False``. Everything runs on PyTorch's CPU build.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import safetensors.torch
import torch
from torch import nn

import lstmdoc
from tests.zoo._harness import FileFormat, Model, grouped
from tests.zoo._known import TORCH_KNOWN


def _declare_torchvision_operators() -> list[Any]:
    """Let torchvision import beside PyTorch's CPU build.

    PyPI's torchvision is built against PyTorch's CUDA build: its compiled operators
    (``torchvision/_C.so``) need ``libtorch_cuda.so``, so they do not load here, and
    torchvision's import then fails where it registers fake kernels for two of them
    ("operator torchvision::nms does not exist"). Declaring those two operators' schemas
    first lets it import; the models built here never call them. transformers imports
    torchvision too, so this runs before either is imported.
    """
    if torch.version.cuda is not None:
        return []  # a CUDA build loads torchvision's operators itself
    library = torch.library.Library("torchvision", "DEF")
    library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    library.define("qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor")
    return [library]  # kept alive: dropping the library would remove the operators


_TORCHVISION_OPERATORS = _declare_torchvision_operators()

# Each of these imports torchvision, which needs the operators declared above.
import timm
import torchvision
import transformers

# --- the framework, as the runner asks it ---------------------------------------------

# torch.nn's bases that every module or container has: a class whose nearest torch base
# is one of these is a custom class, explained through what it holds.
_GENERIC = {
    nn.Module,
    nn.Sequential,
    nn.ModuleList,
    nn.ModuleDict,
    nn.ParameterList,
    nn.ParameterDict,
}


def _save_state_dict(model: nn.Module, folder: Path) -> Path:
    path = folder / "model.pt"
    torch.save(model.state_dict(), path)
    return path


def _save_safetensors(model: nn.Module, folder: Path) -> Path:
    path = folder / "model.safetensors"
    # save_model, not save_file: it writes a tied tensor once, as save_pretrained does,
    # where save_file refuses tensors that share memory.
    safetensors.torch.save_model(model, str(path))
    return path


def _save_pretrained(model: Any, folder: Path) -> Path:
    path = folder / "pretrained"
    model.save_pretrained(path)  # config.json and model.safetensors
    return path


def _save_lightning(model: nn.Module, folder: Path) -> Path:
    path = folder / "model.ckpt"
    torch.save({"state_dict": model.state_dict()}, path)  # as a Lightning checkpoint holds it
    return path


class PyTorch:
    """PyTorch on the CPU: its own counts, and its files."""

    name: str = "PyTorch"
    checks: tuple[str, ...] = ("total", "differs", "verdict", "buffers", "stored", "rules")
    formats: Mapping[str, FileFormat] = {
        "pt": FileFormat("pt", _save_state_dict),
        "safetensors": FileFormat(
            "safetensors",
            _save_safetensors,
        ),
        "pretrained": FileFormat(
            "pretrained",
            _save_pretrained,
        ),
        "ckpt": FileFormat(
            "ckpt",
            _save_lightning,
        ),
    }

    def unique_params(self, model: nn.Module) -> int:
        # parameters() yields a tied parameter once: PyTorch's own count.
        return sum(parameter.numel() for parameter in model.parameters())

    def buffer_values(self, model: nn.Module) -> int:
        return sum(buffer.numel() for buffer in model.buffers())

    def stored_buffer_values(self, model: nn.Module) -> int:
        # Only persistent buffers are in a state_dict (not, say, rotary inv_freq).
        stored = model.state_dict()
        return sum(buffer.numel() for name, buffer in model.named_buffers() if name in stored)

    def holds_weights(self, model: nn.Module) -> bool:
        return bool(model.state_dict())  # a quantized module's packed weights are here too

    def underived(self, model: nn.Module, report: lstmdoc.ModelReport) -> list[str]:
        found = []
        rows = {row.name: row for row in report.rows}
        if _torch_base(type(model)) and _own_state(model) and type(model).__name__ not in rows:
            # A model that is one built-in module is one row, named by its class: here
            # its parameters were listed as declared rows instead.
            found.append(f"{_label(type(model))} (the model itself): declared")
        for row in report.rows:
            if row.basis in ("formula", "shared"):
                continue  # derived, or a place a layer met before is shown again, adding 0
            module = _module_at(model, row.name)
            if module is None or not _own_state(module) or not _torch_base(type(module)):
                # A parameter's row, a container (judged by its modules' rows), or a
                # custom class, whose own parameters are rightly declared.
                continue
            found.append(f"{_label(type(module))}: {_basis(row)}")
        return grouped(found)

    def release(self) -> None:
        pass  # PyTorch frees a module with its last reference


PYTORCH = PyTorch()


def _module_at(model: nn.Module, name: str) -> nn.Module | None:
    """The module a row's dotted name names, or None where it names a parameter.

    A model explained as one module (an ``nn.LSTM``) is named by its class, and the
    rows beneath it by the class, a dot, and their names.
    """
    root = type(model).__name__
    if name == root:
        return model
    name = name.removeprefix(f"{root}.")
    try:
        return model.get_submodule(name)
    except AttributeError:
        return None


def _own_state(module: nn.Module) -> bool:
    return any(True for _ in module.parameters(recurse=False)) or any(
        True for _ in module.buffers(recurse=False)
    )


def _label(cls: type) -> str:
    """``BatchNormAct2d (subclass of nn.BatchNorm2d)``, ``timm's LayerNorm (subclass of ...)``."""
    base = _torch_base(cls)
    if base is None or base is cls:
        return cls.__name__
    name, base_name = cls.__name__, base.__name__
    if name == base_name:  # timm's LayerNorm
        name = f"{cls.__module__.split('.')[0]}'s {name}"
    public = f"nn.{base_name}" if vars(nn).get(base_name) is base else base_name
    return f"{name} (subclass of {public})"


def _basis(row: Any) -> str:
    if row.params is None:
        return "not derived"
    return "a sum of declared rows" if row.basis == "sum" else row.basis


def _torch_base(cls: type) -> type | None:
    """The nearest of PyTorch's own module classes ``cls`` is or extends, or None."""
    for base in cls.__mro__:
        if base in _GENERIC:
            return None
        if base.__module__.startswith("torch."):
            return base
    return None


# --- the models -----------------------------------------------------------------------

# transformers' models from a small configuration: two layers of width 16.
_TINY: dict[str, Any] = {
    "hidden_size": 16,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 32,
    "vocab_size": 64,
    "max_position_embeddings": 32,
}
_ENCODER_DECODER: dict[str, Any] = {
    "d_model": 16,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 32,
    "decoder_ffn_dim": 32,
    "vocab_size": 64,
    # Token ids inside the small vocabulary (the defaults are a real tokenizer's).
    "pad_token_id": 1,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "decoder_start_token_id": 2,
}

# A classifier's head, passed through **: transformers' typed signatures do not name it.
_THREE_CLASSES: dict[str, Any] = {"num_labels": 3}
_Builders = dict[str, tuple[Callable[[], nn.Module], str]]

TRANSFORMERS: _Builders = {
    "bert_mlm": (
        lambda: transformers.BertForMaskedLM(transformers.BertConfig(**_TINY)),
        "the masked-LM head's decoder ties the word embeddings, and its bias a parameter",
    ),
    "gpt2_lm": (
        lambda: transformers.GPT2LMHeadModel(
            transformers.GPT2Config(
                n_embd=16,
                n_layer=2,
                n_head=2,
                vocab_size=64,
                n_positions=32,
                bos_token_id=0,
                eos_token_id=2,
            )
        ),
        "lm_head ties transformer.wte; Conv1D, not Linear",
    ),
    "t5": (
        lambda: transformers.T5ForConditionalGeneration(
            transformers.T5Config(
                d_model=16, d_kv=8, d_ff=32, num_layers=2, num_heads=2, vocab_size=64
            )
        ),
        "encoder, decoder and head share one embedding; relative attention biases",
    ),
    "bart": (
        lambda: transformers.BartForConditionalGeneration(
            transformers.BartConfig(**_ENCODER_DECODER, max_position_embeddings=32)
        ),
        "final_logits_bias, a buffer of the root module; three modules share the embedding",
    ),
    "llama_tied": (
        lambda: transformers.LlamaForCausalLM(
            transformers.LlamaConfig(**_TINY, num_key_value_heads=1, tie_word_embeddings=True)
        ),
        "tie_word_embeddings=True; RMSNorm; rotary inv_freq, a non-persistent buffer",
    ),
    "mistral": (
        lambda: transformers.MistralForCausalLM(
            transformers.MistralConfig(**_TINY, num_key_value_heads=1)
        ),
        "an untied decoder with grouped-query attention",
    ),
    "mixtral": (
        lambda: transformers.MixtralForCausalLM(
            transformers.MixtralConfig(
                **_TINY, num_key_value_heads=1, num_local_experts=2, num_experts_per_tok=1
            )
        ),
        "mixture of experts: the experts' weights are parameters of one module",
    ),
    "whisper": (
        lambda: transformers.WhisperForConditionalGeneration(
            transformers.WhisperConfig(
                **_ENCODER_DECODER,
                num_mel_bins=8,
                max_source_positions=16,
                max_target_positions=16,
            )
        ),
        "Conv1d front end; proj_out ties the decoder's embedding",
    ),
    "vit": (
        lambda: transformers.ViTForImageClassification(
            transformers.ViTConfig(**_TINY, image_size=32, patch_size=8, **_THREE_CLASSES)
        ),
        "class token and position embeddings, parameters of a custom module",
    ),
    "clip": (
        lambda: transformers.CLIPModel(
            transformers.CLIPConfig(
                text_config={
                    **_TINY,
                    "max_position_embeddings": 16,
                    "bos_token_id": 0,
                    "eos_token_id": 2,
                    "pad_token_id": 1,
                },
                vision_config={**_TINY, "image_size": 32, "patch_size": 8},
                projection_dim=8,
            )
        ),
        "two towers; logit_scale, a parameter of the root module",
    ),
    "swin": (
        lambda: transformers.SwinForImageClassification(
            transformers.SwinConfig(
                image_size=32,
                patch_size=4,
                embed_dim=8,
                depths=[1, 1],
                num_heads=[1, 2],
                window_size=4,
                **_THREE_CLASSES,
            )
        ),
        "relative position bias tables (parameters) and index buffers",
    ),
    "convnext": (
        lambda: transformers.ConvNextForImageClassification(
            transformers.ConvNextConfig(
                num_stages=2, hidden_sizes=[8, 16], depths=[1, 1], **_THREE_CLASSES
            )
        ),
        "layer scale parameters and a channels-first LayerNorm subclass",
    ),
    "wav2vec2": (
        lambda: transformers.Wav2Vec2ForCTC(
            transformers.Wav2Vec2Config(
                hidden_size=16,
                num_hidden_layers=1,
                num_attention_heads=2,
                intermediate_size=32,
                vocab_size=32,
                conv_dim=(8, 8),
                conv_kernel=(10, 3),
                conv_stride=(5, 2),
                num_conv_pos_embeddings=16,
                num_conv_pos_embedding_groups=2,
            )
        ),
        "a convolutional feature encoder and a weight-normed positional convolution",
    ),
}

# torchvision's classification and video models, without weights. The small members of
# each family: their blocks are what the larger ones repeat.
TORCHVISION: _Builders = {
    "tv_resnet18": (
        lambda: torchvision.models.resnet18(weights=None),
        "the plain residual network",
    ),
    "tv_mobilenet_v3_small": (
        lambda: torchvision.models.mobilenet_v3_small(weights=None),
        "Conv2dNormActivation (a Sequential subclass), squeeze-and-excite",
    ),
    "tv_efficientnet_b0": (
        lambda: torchvision.models.efficientnet_b0(weights=None),
        "MBConv blocks with stochastic depth",
    ),
    "tv_convnext_tiny": (
        lambda: torchvision.models.convnext_tiny(weights=None),
        "LayerNorm2d, a LayerNorm subclass, and layer scale parameters",
    ),
    "tv_squeezenet1_1": (
        lambda: torchvision.models.squeezenet1_1(weights=None),
        "fire modules, no Linear at all",
    ),
    "tv_r3d_18": (
        lambda: torchvision.models.video.r3d_18(weights=None),
        "Conv3DSimple, a Conv3d subclass",
    ),
}

# timm's test_* models are its own small configurations of each family (0.3-1.1 M
# parameters), built in milliseconds; coat_tiny is the one real model here, for the
# modules it shares between blocks.
TIMM = {
    "timm_coat_tiny": "the serial blocks' ConvPosEnc and ConvRelPosEnc are shared modules",
    "timm_test_byobnet": "BatchNormAct2d, a BatchNorm2d subclass",
    "timm_test_efficientnet": "BatchNormAct2d in MBConv blocks",
    "timm_test_efficientnet_gn": "GroupNormAct, a GroupNorm subclass",
    "timm_test_efficientnet_ln": "LayerNormAct2d, a LayerNorm subclass",
    "timm_test_efficientnet_evos": "EvoNorm2dS0, a custom normalization",
    "timm_test_nfnet": "ScaledStdConv2d, a Conv2d subclass with a gain parameter",
    "timm_test_convnext": "LayerNorm2d, timm's LayerNorm subclass",
    "timm_test_resnet": "timm's ResNet",
    "timm_test_vit": "timm's VisionTransformer",
    "timm_test_vit4": "LayerScale and RmsNorm",
    "timm_test_maxvit": "MaxViT: attention with relative position tables",
}


def _tied_embedding() -> nn.Module:
    """Issue 20's smallest tied weight: a Linear head that is the Embedding's matrix."""
    embedding = nn.Embedding(10, 4)
    head = nn.Linear(4, 10, bias=False)
    head.weight = embedding.weight
    return nn.Sequential(embedding, head)


def _shared_module() -> nn.Module:
    """The smallest module held by two parents, as timm's coat_tiny holds them."""
    shared = nn.Linear(4, 4)
    return nn.Sequential(nn.Sequential(shared), nn.Sequential(shared))


class MyConv(nn.Conv2d):  # type: ignore[misc]  # torch is untyped here
    """Issue 20's smallest subclass: a Conv2d by another name, adding nothing."""


class RootState(nn.Module):  # type: ignore[misc]  # torch is untyped here
    """A module with a parameter and a buffer of its own, beside a child: BART's shape."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 5)
        self.scale = nn.Parameter(torch.ones(5))
        self.register_buffer("final_logits_bias", torch.zeros(1, 5))


def _quantized_lstm() -> nn.Module:
    """An LSTM quantized by torch.ao.quantization.quantize_dynamic: packed int8 weights."""
    quantized: nn.Module = torch.ao.quantization.quantize_dynamic(
        nn.Sequential(nn.LSTM(4, 8)), {nn.LSTM}, dtype=torch.qint8
    )
    return quantized


SMALL: _Builders = {
    "lstm_tagger": (
        lambda: nn.Sequential(nn.Embedding(100, 8), nn.LSTM(8, 16, bidirectional=True)),
        "the project's own subject, as a baseline",
    ),
    "tied_embedding": (_tied_embedding, "the smallest tied weight"),
    "shared_module": (_shared_module, "the smallest module held by two parents"),
    "my_conv": (lambda: MyConv(3, 4, 3), "the smallest subclass of a built-in module"),
    "my_conv_inside": (
        lambda: nn.Sequential(MyConv(3, 4, 3), nn.ReLU()),
        "the same subclass, inside a container",
    ),
    "root_state": (RootState, "a root module's own parameter and buffer"),
    "quantized_lstm": (_quantized_lstm, "packed weights PyTorch counts as 0 parameters"),
}


def _models() -> Iterator[Model]:
    files = ("pt", "safetensors")
    for name, (build, why) in TRANSFORMERS.items():
        yield Model(name, build, PYTORCH, why, (*files, "pretrained"), TORCH_KNOWN.get(name, {}))
    for name, (build, why) in TORCHVISION.items():
        yield Model(name, build, PYTORCH, why, files, TORCH_KNOWN.get(name, {}))
    for name, why in TIMM.items():
        architecture = name.removeprefix("timm_")
        yield Model(
            name,
            functools.partial(timm.create_model, architecture, pretrained=False),
            PYTORCH,
            why,
            files,
            TORCH_KNOWN.get(name, {}),
        )
    for name, (build, why) in SMALL.items():
        # A quantized module's packed weights are not tensors: safetensors cannot hold them.
        small_files = ("pt", "ckpt") if name == "quantized_lstm" else (*files, "ckpt")
        yield Model(name, build, PYTORCH, why, small_files, TORCH_KNOWN.get(name, {}))


ZOO = [dataclasses.replace(model, position=index) for index, model in enumerate(_models())]
