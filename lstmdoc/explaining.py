"""Explain a Keras model's parameter count, layer by layer.

``model.summary()`` prints a number per layer; :func:`explain` prints where each
number comes from::

    >>> print(lstmdoc.explain(model))
    Model 'sequential': 2,180 parameters (2,180 trainable, 0 non-trainable)

      layer  class  formula                lstmdoc  Keras  check
      ----------------------------------------------------------
      lstm   LSTM   4 × 20 × (1 + 20 + 1)    1,760  1,760  ok
      dense  Dense  20 × (20 + 1)              420    420  ok
      ...

Each formula is derived from the layer's configuration (``units``, ``filters``,
``kernel_size`` ...) and the shape it was built on, never from its weights, and
set beside Keras' own count: a disagreement is shown, not hidden. A layer lstmdoc
has no formula for is listed with Keras' count alone.

TensorFlow and Keras are imported only when a function here needs them: a model
passed in has imported them already.
"""

from __future__ import annotations

import html
import json
import math
import os
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lstmdoc import counting
from lstmdoc._checks import describe

__all__ = ["LayerRow", "ModelReport", "UnsafeModelError", "explain", "explain_file"]

Shape = tuple[Any, ...]


class UnsafeModelError(ValueError):
    """A saved model that only loads by running Python code from the file."""


@dataclass(frozen=True)
class LayerRow:
    """One layer that owns weights, and where its parameter count comes from.

    Attributes:
        name: the layer's name; inside a nested model, a path such as ``encoder/lstm``.
        layer: the Keras class name, such as ``"LSTM"``; for a wrapper, with the
            wrapped class in parentheses, such as ``"Bidirectional(LSTM)"``.
        formula: the formula with this layer's numbers, such as
            ``4 × 20 × (1 + 20 + 1)``, or ``None`` where lstmdoc has no formula.
        params: the count lstmdoc derives, or ``None`` where it has no formula.
        keras_params: Keras' own count, ``layer.count_params()``.
        trainable_params: how many of Keras' count are trainable.
        non_trainable_params: how many are not (moving statistics, frozen layers).
    """

    name: str
    layer: str
    formula: str | None
    params: int | None
    keras_params: int
    trainable_params: int
    non_trainable_params: int

    @property
    def derived(self) -> bool:
        """Whether lstmdoc derives this layer's count (False: Keras' count alone)."""
        return self.params is not None

    @property
    def agrees(self) -> bool:
        """Whether lstmdoc derives the count and it equals Keras' count."""
        return self.params == self.keras_params

    @property
    def check(self) -> str:
        """``"ok"``, ``"DIFFERS"`` (derived, but not Keras' count) or ``"not derived"``."""
        if not self.derived:
            return "not derived"
        return "ok" if self.agrees else "DIFFERS"

    def to_dict(self) -> dict[str, Any]:
        """Return the row as plain JSON-ready Python values."""
        return {
            "name": self.name,
            "layer": self.layer,
            "formula": self.formula,
            "params": self.params,
            "keras_params": self.keras_params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
            "derived": self.derived,
            "agrees": self.agrees,
        }


@dataclass(frozen=True)
class ModelReport:
    """A model's parameter count explained: one :class:`LayerRow` per layer with weights.

    ``str(report)`` is a plain-text table, ``report._repr_html_()`` an HTML table
    (what a notebook shows), and ``report.to_dict()`` plain values for scripts.

    Attributes:
        model: the model's name.
        rows: the layers that own weights, in model order, nested models expanded.
        total_params: Keras' total, ``model.count_params()``.
        trainable_params: the trainable part of the total.
        non_trainable_params: the rest.
    """

    model: str
    rows: tuple[LayerRow, ...]
    total_params: int
    trainable_params: int
    non_trainable_params: int

    @property
    def derived_params(self) -> int | None:
        """The sum of lstmdoc's counts, or ``None`` if some layer is not derived."""
        if not self.all_derived:
            return None
        return sum(row.params for row in self.rows if row.params is not None)

    @property
    def all_derived(self) -> bool:
        """Whether lstmdoc derives every layer's count."""
        return all(row.derived for row in self.rows)

    @property
    def agrees(self) -> bool:
        """Whether every layer is derived, each count equals Keras', and so do the totals."""
        return all(row.agrees for row in self.rows) and self.derived_params == self.total_params

    @property
    def disagreements(self) -> tuple[LayerRow, ...]:
        """The derived rows whose count differs from Keras' count."""
        return tuple(row for row in self.rows if row.derived and not row.agrees)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready Python values."""
        return {
            "model": self.model,
            "rows": [row.to_dict() for row in self.rows],
            "total_params": self.total_params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
            "derived_params": self.derived_params,
            "all_derived": self.all_derived,
            "agrees": self.agrees,
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __str__(self) -> str:
        """Return the report as a plain-text table for a terminal."""
        header = ("layer", "class", "formula", "lstmdoc", "Keras", "check")
        rows = [header]
        rows += [
            (
                row.name,
                row.layer,
                row.formula or "-",
                "-" if row.params is None else f"{row.params:,}",
                f"{row.keras_params:,}",
                row.check,
            )
            for row in self.rows
        ]
        derived = self.derived_params
        rows.append(
            (
                "total",
                "",
                "",
                "-" if derived is None else f"{derived:,}",
                f"{self.total_params:,}",
                "",
            )
        )
        widths = [max(len(row[column]) for row in rows) for column in range(len(header))]

        def line(row: tuple[str, ...]) -> str:
            cells = [
                f"{cell:>{width}}" if column in (3, 4) else f"{cell:<{width}}"
                for column, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            return ("  " + "  ".join(cells)).rstrip()

        body = [line(row) for row in rows]
        rule = "  " + "-" * (max(len(text) for text in body) - 2)
        if not self.rows:
            return "\n".join([self._title(), "", *self._verdict()])
        table = [body[0], rule, *body[1:-1], rule, body[-1]]
        return "\n".join([self._title(), "", *table, "", *self._verdict()])

    def _repr_html_(self) -> str:
        """Return the report as an HTML table, as Jupyter and the docs site show it."""
        right = ' style="text-align: right"'

        def cell(text: str, tag: str = "td", *, number: bool = False) -> str:
            return f"<{tag}{right if number else ''}>{html.escape(text)}</{tag}>"

        head = "".join(
            cell(text, "th", number=text in {"lstmdoc", "Keras"})
            for text in ("layer", "class", "formula", "lstmdoc", "Keras", "check")
        )
        body = []
        for row in self.rows:
            check = row.check if row.check != "DIFFERS" else "DIFFERS from Keras"
            body.append(
                "<tr>"
                + cell(row.name)
                + cell(row.layer)
                + cell(row.formula or "-")
                + cell("-" if row.params is None else f"{row.params:,}", number=True)
                + cell(f"{row.keras_params:,}", number=True)
                + (
                    f"<td><strong>{html.escape(check)}</strong></td>"
                    if row.derived and not row.agrees
                    else cell(check)
                )
                + "</tr>"
            )
        derived = self.derived_params
        foot = (
            "<tr>"
            + cell("total", "th")
            + cell("")
            + cell("")
            + cell("-" if derived is None else f"{derived:,}", number=True)
            + cell(f"{self.total_params:,}", number=True)
            + cell("")
            + "</tr>"
        )
        verdict = "".join(f"<p>{html.escape(text)}</p>" for text in self._verdict())
        return (
            '<div class="lstmdoc-report">'
            f"<table><caption>{html.escape(self._title())}</caption>"
            f"<thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody>"
            f"<tfoot>{foot}</tfoot></table>{verdict}</div>"
        )

    def _title(self) -> str:
        return (
            f"Model {self.model!r}: {self.total_params:,} parameters "
            f"({self.trainable_params:,} trainable, {self.non_trainable_params:,} non-trainable)"
        )

    def _verdict(self) -> list[str]:
        if not self.rows:
            return ["No layer owns weights."]
        lines = []
        if self.disagreements:
            details = ", ".join(
                f"{row.name} (lstmdoc {row.params:,}, Keras {row.keras_params:,})"
                for row in self.disagreements
            )
            lines.append(f"DISAGREEMENT: lstmdoc's count differs from Keras' for {details}.")
        not_derived = [row.name for row in self.rows if not row.derived]
        if not_derived:
            lines.append(
                f"lstmdoc has no formula for {', '.join(not_derived)}: Keras' count is shown alone."
            )
        if self.agrees:
            lines.append("lstmdoc derives every layer's count, and each agrees with Keras.")
        return lines


def explain(model: Any) -> ModelReport:
    """Explain a built Keras model's parameter count, layer by layer.

    Args:
        model: a built ``keras.Model`` (Sequential, functional or subclassed; nested
            models are expanded), or a single built Keras layer.

    Returns:
        A :class:`ModelReport` with one row per layer that owns weights, in model
        order, and Keras' totals.

    Raises:
        TypeError: ``model`` is not a Keras model or layer.
        ValueError: ``model`` is not built yet, so it has no weights to count.
    """
    keras = sys.modules.get("keras")  # a Keras model means Keras is imported already
    if keras is None or not isinstance(model, keras.layers.Layer):
        raise TypeError(f"model must be a built Keras model or layer, got {describe(model)}")
    if not model.built:
        kind = "model" if isinstance(model, keras.Model) else "layer"
        raise ValueError(
            f"model must be built, but {kind} {model.name!r} is not, so its weights do not exist "
            "yet: start it with keras.Input, as in keras.Sequential([keras.Input(shape=("
            f"timesteps, features)), ...]), or call {kind}.build(input_shape) first"
        )
    if isinstance(model, keras.Model):
        rows = list(_model_rows(keras, model, prefix="", seen=set()))
    elif model.weights:
        rows = [_row(model, model.name)]
    else:
        rows = []
    return ModelReport(
        model=model.name,
        rows=tuple(rows),
        total_params=int(model.count_params()),
        trainable_params=_size(model.trainable_weights),
        non_trainable_params=_size(model.non_trainable_weights),
    )


def explain_file(path: str | os.PathLike[str]) -> ModelReport:
    """Load a model saved as ``.keras`` without running any code from it, and explain it.

    The file is read with Keras' safe mode, after lstmdoc has looked through its
    configuration itself: a model with a ``Lambda`` layer, which loads only by
    running the Python code stored in the file, is refused.

    Args:
        path: a ``.keras`` file, as written by ``model.save("model.keras")``.

    Returns:
        :func:`explain` of the loaded model.

    Raises:
        TypeError: ``path`` is not a string or path.
        UnsafeModelError: the model would run code from the file to load
            (a ``ValueError``).
        ValueError: the file does not exist, is not a ``.keras`` archive, is corrupt,
            or Keras cannot load it.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a path to a .keras file, got {describe(path)}")
    file = Path(path)
    config = _read_config(file)
    code = list(dict.fromkeys(_lambda_layers(config)))
    if code:
        raise UnsafeModelError(
            f"path {str(file)!r} holds Python code that would have to run to load it "
            f"({', '.join(code)}); lstmdoc loads models in Keras' safe mode and refuses it"
        )
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up lines
    import keras  # noqa: PLC0415  (lazy: `import lstmdoc` never imports TensorFlow)

    try:
        with warnings.catch_warnings():
            # Counting needs neither the optimizer nor the compiled state, whose
            # warnings would only be noise here.
            warnings.simplefilter("ignore")
            model = keras.saving.load_model(file, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001  (Keras raises many kinds; each becomes one line)
        message = _first_line(error)
        if "safe_mode" in message:
            raise UnsafeModelError(
                f"path {str(file)!r} needs unsafe deserialization to load, which lstmdoc "
                f"refuses: {message}"
            ) from None
        raise ValueError(
            f"path {str(file)!r} could not be loaded as a Keras model: {message}"
        ) from None
    return explain(model)


# --- private helpers: walking the model ---------------------------------------------


def _model_rows(keras: Any, model: Any, prefix: str, seen: set[int]) -> Iterator[LayerRow]:
    """Yield a row per layer with weights, expanding nested models into ``outer/inner``."""
    for layer in model.layers:
        if id(layer) in seen:  # a shared layer's weights count once, as in Keras
            continue
        seen.add(id(layer))
        name = f"{prefix}{layer.name}"
        if isinstance(layer, keras.Model):
            yield from _model_rows(keras, layer, f"{name}/", seen)
        elif layer.weights:
            yield _row(layer, name)


def _row(layer: Any, name: str) -> LayerRow:
    derivation = _derive(layer, _input_shape(layer))
    return LayerRow(
        name=name,
        layer=_class_name(layer),
        formula=None if derivation is None else derivation[0],
        params=None if derivation is None else derivation[1],
        keras_params=int(layer.count_params()),
        trainable_params=_size(layer.trainable_weights),
        non_trainable_params=_size(layer.non_trainable_weights),
    )


def _class_name(layer: Any) -> str:
    name = type(layer).__name__
    if name == "Bidirectional":
        return f"{name}({type(layer.forward_layer).__name__})"
    if name == "TimeDistributed":
        return f"{name}({type(layer.layer).__name__})"
    return name


def _size(weights: Any) -> int:
    return sum(math.prod(int(size) for size in weight.shape) for weight in weights)


def _input_shape(layer: Any) -> Shape | None:
    """The input shape the layer was built on, as Keras records it, or ``None``."""
    config = layer.get_build_config() or {}
    shape = config.get("input_shape")
    if shape is None and config.get("shapes_dict"):
        # build() took several shapes, such as an RNN's sequences and initial state:
        # the first is the input's.
        shape = next(iter(config["shapes_dict"].values()))
    return None if shape is None else tuple(shape)


# --- private helpers: one formula per layer type ----------------------------------------

Derivation = tuple[str, int]


def _derive(layer: Any, shape: Shape | None) -> Derivation | None:
    """Return ``(formula, count)`` for a layer from its configuration, or ``None``."""
    if getattr(layer, "quantization_mode", None):  # quantized weights have other shapes
        return None
    rule = _RULES.get(type(layer).__name__)
    if rule is None or type(layer).__module__.split(".")[0] != "keras":
        return None
    try:
        return rule(layer, shape)
    except (AttributeError, TypeError, ValueError, IndexError, KeyError):
        return None  # an unusual configuration: listed as not derived, never a crash


def _group(formula: str) -> str:
    """Parenthesise a formula with a top-level ``+`` before it is multiplied."""
    depth = 0
    for index, character in enumerate(formula):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and formula.startswith(" + ", index):
            return f"({formula})"
    return formula


def _lora(layer: Any, rows: int, columns: int) -> Derivation | None:
    """The two low-rank LoRA factors, ``rank × (rows + columns)``, if LoRA is on."""
    if not getattr(layer, "lora_enabled", False):
        return None
    rank = int(layer.lora_rank)
    return f"{rank} × ({rows} + {columns})", rank * (rows + columns)


def _plus(first: Derivation, second: Derivation | None) -> Derivation:
    if second is None:
        return first
    return f"{first[0]} + {second[0]}", first[1] + second[1]


def _dense(layer: Any, shape: Any) -> Derivation:
    features = int(shape[-1])
    breakdown = counting.dense_param_breakdown(layer.units, features, use_bias=layer.use_bias)
    return _plus((breakdown.substituted, breakdown.total), _lora(layer, features, layer.units))


def _embedding(layer: Any, _shape: Any) -> Derivation:
    rows, columns = int(layer.input_dim), int(layer.output_dim)
    return _plus((f"{rows} × {columns}", rows * columns), _lora(layer, rows, columns))


def _lstm(layer: Any, shape: Any) -> Derivation:
    breakdown = counting.lstm_param_breakdown(layer.units, int(shape[-1]), use_bias=layer.use_bias)
    return breakdown.substituted, breakdown.total


def _gru(layer: Any, shape: Any) -> Derivation:
    breakdown = counting.gru_param_breakdown(
        layer.units, int(shape[-1]), use_bias=layer.use_bias, reset_after=layer.reset_after
    )
    return breakdown.substituted, breakdown.total


def _simple_rnn(layer: Any, shape: Any) -> Derivation:
    breakdown = counting.simple_rnn_param_breakdown(
        layer.units, int(shape[-1]), use_bias=layer.use_bias
    )
    return breakdown.substituted, breakdown.total


def _bidirectional(layer: Any, shape: Any) -> Derivation | None:
    # Both directions see the same input; merge_mode only combines their outputs.
    forward = _derive(layer.forward_layer, shape)
    backward = _derive(layer.backward_layer, shape)
    if forward is None or backward is None:
        return None
    if forward[0] == backward[0]:
        return f"2 × {_group(forward[0])}", forward[1] + backward[1]
    return f"{forward[0]} + {backward[0]}", forward[1] + backward[1]


def _time_distributed(layer: Any, shape: Any) -> Derivation | None:
    # The wrapped layer sees one time step: the input without its time axis.
    return _derive(layer.layer, (shape[0], *shape[2:]))


def _channels(layer: Any, shape: Any, first_axis: int) -> int:
    return int(shape[first_axis] if layer.data_format == "channels_first" else shape[-1])


def _conv(layer: Any, shape: Any) -> Derivation:
    channels = _channels(layer, shape, 1)
    groups = int(getattr(layer, "groups", 1))  # transposed convolutions have no groups
    window = " × ".join(str(int(size)) for size in layer.kernel_size)
    inputs = f"{channels}" if groups == 1 else f"{channels} / {groups}"
    per_filter = math.prod(layer.kernel_size) * (channels // groups)
    filters = int(layer.filters)
    if layer.use_bias:
        return f"{filters} × ({window} × {inputs} + 1)", filters * (per_filter + 1)
    return f"{filters} × {window} × {inputs}", filters * per_filter


def _conv_lstm(layer: Any, shape: Any) -> Derivation:
    # The input is (batch, time, ...): channels come after the time axis.
    channels = _channels(layer, shape, 2)
    window = " × ".join(str(int(size)) for size in layer.kernel_size)
    filters = int(layer.filters)
    per_gate = math.prod(layer.kernel_size) * (channels + filters)
    if layer.use_bias:
        return (
            f"4 × {filters} × ({window} × ({channels} + {filters}) + 1)",
            4 * filters * (per_gate + 1),
        )
    return f"4 × {filters} × {window} × ({channels} + {filters})", 4 * filters * per_gate


def _layer_normalization(layer: Any, shape: Any) -> Derivation:
    axes = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
    sizes = [int(shape[axis]) for axis in axes]
    rms = bool(getattr(layer, "rms_scaling", False))
    vectors = int(layer.scale or rms) + int(layer.center and not rms)  # gamma, beta
    return f"{vectors} × {' × '.join(map(str, sizes))}", vectors * math.prod(sizes)


def _batch_normalization(layer: Any, shape: Any) -> Derivation:
    channels = int(shape[layer.axis])
    trainable = int(layer.scale) + int(layer.center)  # gamma, beta
    # moving mean and variance; batch renormalization adds three more statistics
    statistics = 2 + 3 * int(getattr(layer, "renorm", False))
    parts = [f"{count} × {channels}" for count in (trainable, statistics) if count]
    return " + ".join(parts), (trainable + statistics) * channels


_RULES: dict[str, Callable[[Any, Any], Derivation | None]] = {
    "Dense": _dense,
    "Embedding": _embedding,
    "LSTM": _lstm,
    "GRU": _gru,
    "SimpleRNN": _simple_rnn,
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
    "Conv1D": _conv,
    "Conv2D": _conv,
    "Conv3D": _conv,
    "Conv1DTranspose": _conv,
    "Conv2DTranspose": _conv,
    "Conv3DTranspose": _conv,
    "ConvLSTM1D": _conv_lstm,
    "ConvLSTM2D": _conv_lstm,
    "ConvLSTM3D": _conv_lstm,
    "LayerNormalization": _layer_normalization,
    "BatchNormalization": _batch_normalization,
}


# --- private helpers: reading a saved file ----------------------------------------------


def _read_config(file: Path) -> Any:
    """Return a ``.keras`` archive's ``config.json``, read as data, or raise ``ValueError``."""
    if not file.exists():
        raise ValueError(f"path {str(file)!r} does not exist")
    if file.is_dir():
        raise ValueError(f"path {str(file)!r} is a directory, expected a .keras file")
    if file.suffix != ".keras":
        raise ValueError(
            f"path {str(file)!r} must be a .keras file, as written by model.save('model.keras'), "
            f"got a file ending in {file.suffix or 'no suffix'!r}"
        )
    if not zipfile.is_zipfile(file):
        raise ValueError(
            f"path {str(file)!r} is not a Keras model: it is not a .keras (zip) archive"
        )
    try:
        with zipfile.ZipFile(file) as archive:
            if "config.json" not in archive.namelist():
                raise ValueError(
                    f"path {str(file)!r} is not a Keras model: the archive has no config.json"
                )
            return json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, OSError, EOFError, UnicodeDecodeError) as error:
        raise ValueError(f"path {str(file)!r} is a corrupt archive: {_first_line(error)}") from None
    except json.JSONDecodeError as error:
        raise ValueError(
            f"path {str(file)!r} is a corrupt Keras model: its config.json is not JSON ({error})"
        ) from None


def _lambda_layers(config: Any) -> Iterator[str]:
    """Describe every ``Lambda`` layer, and every other stored Python lambda, in a config."""
    if isinstance(config, dict):
        if config.get("class_name") == "Lambda":
            inner = config.get("config")
            name = inner.get("name") if isinstance(inner, dict) else None
            yield f"the Lambda layer {name!r}" if name else "a Lambda layer"
            return
        if config.get("class_name") == "__lambda__":
            yield "a Python lambda"
            return
        for value in config.values():
            yield from _lambda_layers(value)
    elif isinstance(config, list):
        for value in config:
            yield from _lambda_layers(value)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."
