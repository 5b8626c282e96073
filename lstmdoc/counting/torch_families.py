"""PyTorch's module families: LSTM, GRU, RNN, Linear, convolutions, Embedding, LayerNorm, BatchNorm.

Each was read off its class's ``__init__`` in PyTorch 2.13 (``torch/nn/modules/...``);
``nox -s torch`` holds each against PyTorch's own count. See
:mod:`lstmdoc.counting.families`.
"""

from __future__ import annotations

from lstmdoc.counting import activations, products
from lstmdoc.counting.family import Argument, Family, Row, Template, Weights
from lstmdoc.counting.formulas import AFFINE, CONVOLUTION, DENSE, TABLE

__all__ = ["TORCH_FAMILIES", "TORCH_RECURRENT"]

# --- arguments ------------------------------------------------------------------------------

_BIAS = Argument("bias", "flag", True, "bias vectors", switch="--no-bias")
_TORCH_BIDIRECTIONAL = Argument(
    "bidirectional",
    "flag",
    False,
    "a forward and a backward direction, each with weights of its own",
    switch="--bidirectional",
)

_POSITIONS = products.positions(
    "the rows the weight is applied to (every axis of the input but the last, batch "
    "included, multiplied)"
)
_OUTPUT_POSITIONS = products.positions(
    "the output's positions (its batch and its sizes after the channels, multiplied)"
)

# --- PyTorch ---------------------------------------------------------------------------------


def _torch_recurrent(key: str, layer: str, blocks: int) -> Family:
    """torch.nn.LSTM, GRU and RNN, following RNNBase.__init__: layers, then directions."""
    lstm = layer == "LSTM"
    arguments = [
        Argument("input_size", help="the features of each input step"),
        Argument("hidden_size", help="the size of the hidden state"),
        Argument("num_layers", default=1, help="stacked layers"),
        _BIAS,
        _TORCH_BIDIRECTIONAL,
        products.steps("time steps of one sequence"),
    ]
    requires: tuple[tuple[str, str], ...] = ()
    if lstm:
        arguments.append(
            Argument("proj_size", default=0, minimum=0, help="a projection of h (0: none)")
        )
        requires = (
            (
                "proj_size < hidden_size",
                (
                    "proj_size must be 0 (no projection) or an integer from 1 to "
                    "hidden_size - 1 = {hidden_size - 1}, got {proj_size}"
                ),
            ),
        )
    projection = "proj_size" if lstm else "0"
    factor = f"{blocks} × " if blocks > 1 else ""
    one_layer = Template(
        f"{factor}{{hidden_size}} × ({{inputs}} + {{outputs}}{{biases}}){{projection}}"
    )
    # Each step of each layer and direction: the input and the state fed back, by the
    # gate blocks; then the projection of h, if any. Biases and gates are elementwise.
    one_step = Template(f"{factor}{{hidden_size}} × ({{inputs}} + {{outputs}}){{projection}}")
    two_directions = "'2 × ' + ('(' + {0} + ')' if grouping else {0}) if bidirectional else {0}"
    return Family(
        key=key,
        framework="PyTorch",
        layer=layer,
        summary=f"torch.nn.{layer}",
        arguments=tuple(arguments),
        requires=requires,
        definitions=(
            ("directions", "2 if bidirectional else 1"),
            ("outputs", f"{projection} if {projection} else hidden_size"),
            ("biases", "' + 2' if bias else ''"),
            (
                "projection",
                f"' + ' + str(outputs) + ' × ' + str(hidden_size) if {projection} else ''",
            ),
            ("grouping", f"bidirectional and {projection}"),
            ("inputs", "input_size"),
            ("first", one_layer),
            (
                "first",
                "'2 × ' + ('(' + first + ')' if grouping else first) if bidirectional else first",
            ),
            ("first_step", one_step),
            ("first_step", two_directions.format("first_step")),
            ("inputs", "directions * outputs"),
            ("later", one_layer),
            (
                "later",
                "'2 × ' + ('(' + later + ')' if grouping else later) if bidirectional else later",
            ),
            (
                "later",
                (
                    "'(' + later + ')' if num_layers > 2 and not bidirectional and "
                    f"{projection} else later"
                ),
            ),
            ("later_step", one_step),
            ("later_step", two_directions.format("later_step")),
            (
                "later_step",
                (
                    "'(' + later_step + ')' if num_layers > 2 and not bidirectional and "
                    f"{projection} else later_step"
                ),
            ),
            (
                "every_step",
                (
                    "first_step + ('' if num_layers == 1 else ' + ' + later_step if num_layers == 2 "
                    "else ' + ' + str(num_layers - 1) + ' × ' + later_step)"
                ),
            ),
            (
                "every_step",
                (
                    f"'(' + every_step + ')' if steps > 1 and (num_layers > 1 or ({projection} "
                    "and not bidirectional)) else every_step"
                ),
            ),
        ),
        weights=(
            Weights(
                (
                    Row(
                        "weight_ih_l{layer}{suffix}",
                        f"[{blocks} * hidden_size, input_size if layer == 0 else "
                        "directions * outputs]",
                        "gate blocks × inputs",
                    ),
                    Row(
                        "weight_hh_l{layer}{suffix}",
                        f"[{blocks} * hidden_size, outputs]",
                        "gate blocks × outputs fed back",
                    ),
                    Row(
                        "bias_ih_l{layer}{suffix}",
                        f"[{blocks} * hidden_size]",
                        "gate blocks (input bias)",
                        when="bias",
                    ),
                    Row(
                        "bias_hh_l{layer}{suffix}",
                        f"[{blocks} * hidden_size]",
                        "gate blocks (recurrent bias)",
                        when="bias",
                    ),
                    Row(
                        "weight_hr_l{layer}{suffix}",
                        "[proj_size, hidden_size]",
                        "proj_size × hidden_size",
                        when=projection,
                    ),
                ),
                each=(
                    ("layer", "range(num_layers)"),
                    ("suffix", "['', '_reverse'] if bidirectional else ['']"),
                ),
            ),
        ),
        formula=Template(
            f"{{'layers × directions × ' if num_layers > 1 or bidirectional else ''}}"
            f"{factor}hidden_size × (inputs + outputs{{' + 2' if bias else ''}})"
            f"{{' + proj_size × hidden_size' if {projection} else ''}}"
        ),
        substituted=Template(
            "{first}{'' if num_layers == 1 else ' + ' + later if num_layers == 2 else "
            "' + ' + str(num_layers - 1) + ' × ' + later}"
        ),
        call=Template(
            f"nn.{layer}({{input_size}}, {{hidden_size}}"
            "{'' if num_layers == 1 else ', num_layers=' + str(num_layers)}"
            "{'' if bias else ', bias=False'}"
            "{', bidirectional=True' if bidirectional else ''}"
            + ("{', proj_size=' + str(proj_size) if proj_size else ''}" if lstm else "")
            + ")"
        ),
        title=Template(
            f"torch.nn.{layer}({{input_size}}, {{hidden_size}}, num_layers={{num_layers}}, "
            "bias={bias}, bidirectional={bidirectional}"
            + (", proj_size={proj_size}" if lstm else "")
            + ")"
        ),
        mult_adds=(
            f"steps * directions * ({blocks} * hidden_size * (input_size + outputs) + "
            f"{projection} * hidden_size + (num_layers - 1) * ({blocks} * hidden_size * "
            f"(directions * outputs + outputs) + {projection} * hidden_size))"
        ),
        mult_adds_formula=Template(
            "steps × {'layers × directions × ' if num_layers > 1 or bidirectional else ''}"
            f"{{'(' if {projection} else ''}}{factor}hidden_size × (inputs + outputs)"
            f"{{' + proj_size × hidden_size)' if {projection} else ''}}"
        ),
        mult_adds_substituted=Template(products.STEPS_TIMES + "{every_step}"),
        mult_adds_for=Template("for {steps} time step{'' if steps == 1 else 's'} of one sequence"),
        **activations.torch_saved(blocks, lstm=lstm),
    )


TORCH_RECURRENT = {
    "LSTM": _torch_recurrent("torch-lstm", "LSTM", 4),
    "GRU": _torch_recurrent("torch-gru", "GRU", 3),
    "RNN": _torch_recurrent("torch-rnn", "RNN", 1),
}
"""PyTorch's LSTM, GRU and RNN families, by class name."""

_LINEAR = Family(
    key="torch-linear",
    framework="PyTorch",
    layer="Linear",
    summary="torch.nn.Linear",
    arguments=(
        Argument("in_features", help="the size of each input", minimum=0),
        Argument("out_features", help="the size of each output", minimum=0),
        _BIAS,
        _POSITIONS,
    ),
    definitions=(("outputs", "out_features"), ("inputs", "in_features")),
    weights=(
        Weights(
            (
                Row("weight", "[out_features, in_features]", "out_features × in_features"),
                Row("bias", "[out_features]", "out_features", when="bias"),
            )
        ),
    ),
    formula=Template(
        "{'out_features × (in_features + 1)' if bias else 'out_features × in_features'}"
    ),
    substituted=DENSE,
    call=Template("nn.Linear({in_features}, {out_features}{'' if bias else ', bias=False'})"),
    title=Template("torch.nn.Linear({in_features}, {out_features}, bias={bias})"),
    mult_adds="positions * out_features * in_features",
    mult_adds_formula=Template("positions × out_features × in_features"),
    mult_adds_substituted=Template(f"{products.POSITIONS_TIMES}{{out_features}} × {{in_features}}"),
    mult_adds_for=Template("for {positions} row{'' if positions == 1 else 's'} of input"),
    **activations.input_saved("in_features"),
)


def _torch_convolution(rank: int) -> Family:
    layer = f"Conv{rank}d"
    return Family(
        key=f"torch-conv{rank}d",
        framework="PyTorch",
        layer=layer,
        summary=f"torch.nn.{layer}",
        arguments=(
            Argument("in_channels", help="the input's channels", minimum=0),
            Argument("out_channels", help="the output's channels", minimum=0),
            Argument("kernel_size", "sizes", help="the window", length=rank),
            Argument("groups", default=1, help="groups of channels convolved apart"),
            _BIAS,
            _OUTPUT_POSITIONS,
        ),
        requires=(
            ("in_channels % groups == 0", "in_channels must be divisible by groups"),
            ("out_channels % groups == 0", "out_channels must be divisible by groups"),
        ),
        definitions=(
            ("outputs", "out_channels"),
            ("window", "kernel_size"),
            ("inputs", "in_channels"),
            ("bias_term", "' + 1' if bias else ''"),
        ),
        weights=(
            Weights(
                (
                    Row(
                        "weight",
                        "[out_channels, in_channels // groups] + kernel_size",
                        "out_channels × in_channels / groups × window",
                    ),
                    Row("bias", "[out_channels]", "out_channels", when="bias"),
                )
            ),
        ),
        formula=Template("out_channels × (window × in_channels / groups{bias_term})"),
        substituted=CONVOLUTION,
        call=Template(
            f"nn.{layer}({{in_channels}}, {{out_channels}}, "
            f"{{kernel_size[0] if {rank} == 1 else kernel_size}}"
            "{'' if groups == 1 else ', groups=' + str(groups)}{'' if bias else ', bias=False'})"
        ),
        title=Template(
            f"torch.nn.{layer}({{in_channels}}, {{out_channels}}, kernel_size={{kernel_size}}, "
            "groups={groups}, bias={bias})"
        ),
        # Each output position: every output channel over its window of in / groups inputs.
        mult_adds="positions * out_channels * prod(kernel_size) * (in_channels // groups)",
        mult_adds_formula=Template("positions × out_channels × window × in_channels / groups"),
        mult_adds_substituted=Template(
            f"{products.POSITIONS_TIMES}{{out_channels}} × "
            "{join(kernel_size + [in_channels // groups], ' × ')}"
        ),
        mult_adds_for=products.AT_OUTPUT_POSITIONS,
    )


_TORCH_EMBEDDING = Family(
    key="torch-embedding",
    framework="PyTorch",
    layer="Embedding",
    summary="torch.nn.Embedding",
    arguments=(
        Argument("num_embeddings", help="the vocabulary size: how many vectors", minimum=0),
        Argument("embedding_dim", help="the width of each vector", minimum=0),
    ),
    definitions=(("rows", "num_embeddings"), ("columns", "embedding_dim")),
    weights=(
        Weights(
            (Row("weight", "[num_embeddings, embedding_dim]", "num_embeddings × embedding_dim"),)
        ),
    ),
    formula=Template("num_embeddings × embedding_dim"),
    substituted=TABLE,
    call=Template("nn.Embedding({num_embeddings}, {embedding_dim})"),
    title=Template("torch.nn.Embedding({num_embeddings}, {embedding_dim})"),
    mult_adds_for=Template("a lookup: no products"),
    mult_adds="0",
    mult_adds_formula=products.ZERO,
    mult_adds_substituted=products.ZERO,
)

_TORCH_LAYER_NORM = Family(
    key="torch-layer-norm",
    framework="PyTorch",
    layer="LayerNorm",
    summary="torch.nn.LayerNorm",
    arguments=(
        Argument("normalized_shape", "sizes", help="the sizes of the normalized last axes"),
        Argument(
            "elementwise_affine", "flag", True, "a learned scale (weight)", switch="--no-affine"
        ),
        _BIAS,
    ),
    definitions=(
        ("shape", "normalized_shape"),
        (
            "vectors",
            "((1 if elementwise_affine else 0) + (1 if bias and elementwise_affine else 0))",
        ),
    ),
    weights=(
        Weights(
            (
                Row(
                    "weight",
                    "normalized_shape",
                    "scale, one per normalized value",
                    when="elementwise_affine",
                ),
                Row(
                    "bias",
                    "normalized_shape",
                    "shift, one per normalized value",
                    when="elementwise_affine and bias",
                ),
            )
        ),
    ),
    formula=Template(
        "{'0' if vectors == 0 else '2 × normalized_shape (weight, bias)' if vectors == 2 "
        "else 'normalized_shape (weight)'}"
    ),
    substituted=AFFINE,
    call=Template(
        "nn.LayerNorm({normalized_shape[0] if len(normalized_shape) == 1 else normalized_shape}"
        "{'' if elementwise_affine else ', elementwise_affine=False'}"
        "{'' if bias else ', bias=False'})"
    ),
    title=Template(
        "torch.nn.LayerNorm({normalized_shape}, elementwise_affine={elementwise_affine}, "
        "bias={bias})"
    ),
    mult_adds_for=Template("elementwise: no products"),
    mult_adds="0",
    mult_adds_formula=products.ZERO,
    mult_adds_substituted=products.ZERO,
)

_TORCH_BATCH_NORM = Family(
    key="torch-batch-norm",
    framework="PyTorch",
    layer="BatchNorm2d",
    summary="torch.nn.BatchNorm1d, 2d and 3d (and InstanceNorm with their arguments)",
    arguments=(
        Argument("num_features", help="the channels"),
        Argument("affine", "flag", True, "a learned scale and shift", switch="--no-affine"),
        Argument(
            "track_running_stats",
            "flag",
            True,
            "running statistics, kept as buffers",
            switch="--no-running-stats",
        ),
        _BIAS,
    ),
    definitions=(
        ("vectors", "(1 if affine else 0) + (1 if affine and bias else 0)"),
        ("shape", "[num_features]"),
    ),
    weights=(
        Weights(
            (
                Row("weight", "[num_features]", "scale, trained", when="affine"),
                Row("bias", "[num_features]", "shift, trained", when="affine and bias"),
                Row(
                    "running_mean",
                    "[num_features]",
                    "buffer, not a parameter",
                    when="track_running_stats",
                    trainable="False",
                    buffer="True",
                ),
                Row(
                    "running_var",
                    "[num_features]",
                    "buffer, not a parameter",
                    when="track_running_stats",
                    trainable="False",
                    buffer="True",
                ),
                Row(
                    "num_batches_tracked",
                    "[]",
                    "buffer, not a parameter",
                    when="track_running_stats",
                    trainable="False",
                    buffer="True",
                ),
            )
        ),
    ),
    formula=Template(
        "{'0' if vectors == 0 else '2 × num_features (weight, bias)' if vectors == 2 else "
        "'num_features (weight)'}{' + running mean, variance and count: buffers, not "
        "parameters' if track_running_stats else ''}"
    ),
    substituted=AFFINE,
    call=Template(
        "nn.BatchNorm2d({num_features}{'' if affine else ', affine=False'}"
        "{'' if track_running_stats else ', track_running_stats=False'}"
        "{'' if bias else ', bias=False'})"
    ),
    title=Template(
        "torch.nn.BatchNorm2d({num_features}, affine={affine}, "
        "track_running_stats={track_running_stats}, bias={bias})"
    ),
    mult_adds_for=Template("elementwise: no products"),
    mult_adds="0",
    mult_adds_formula=products.ZERO,
    mult_adds_substituted=products.ZERO,
)


TORCH_FAMILIES = (
    *TORCH_RECURRENT.values(),
    _LINEAR,
    _torch_convolution(1),
    _torch_convolution(2),
    _torch_convolution(3),
    _TORCH_EMBEDDING,
    _TORCH_LAYER_NORM,
    _TORCH_BATCH_NORM,
)
"""PyTorch's families, in the order ``lstmdoc count`` lists them."""
