"""Keras' layer families: LSTM, GRU, SimpleRNN, Dense, convolutions, Embedding, attention, norms.

Each was read off its class's ``build()`` in Keras 3 (``keras/src/layers/...``); the
tests hold each against Keras' own count. See :mod:`lstmdoc.counting.families`.
"""

from __future__ import annotations

from lstmdoc.counting import activations, products
from lstmdoc.counting.family import Argument, Family, Row, Template, Weights
from lstmdoc.counting.formulas import AFFINE, CONVOLUTION, DENSE, TABLE

__all__ = ["KERAS_FAMILIES", "KERAS_RECURRENT"]

# --- arguments ------------------------------------------------------------------------------

_UNITS = Argument("units", help="the layer's units (its output size)")
_FEATURES = Argument("features", help="the size of the last axis of the layer's input")
_STEPS = products.steps()
_POSITIONS = products.positions(
    "the positions the kernel is applied at (the input's axes between the batch and the last, "
    "such as time steps)"
)
_USE_BIAS = Argument("use_bias", "flag", True, "a bias vector", switch="--no-bias")
_BIDIRECTIONAL = Argument(
    "bidirectional",
    "flag",
    False,
    "wrapped in keras.layers.Bidirectional: a forward and a backward layer, each with "
    "weights of its own",
    switch="--bidirectional",
)
# --- Keras' recurrent layers and Dense ------------------------------------------------------


def _keras_recurrent(key: str, layer: str, blocks: int, *, gru: bool = False) -> Family:
    """LSTM (4 gate blocks), GRU (3) and SimpleRNN (1): kernel, recurrent kernel, bias."""
    width = f"{blocks} * units" if blocks > 1 else "units"
    words = f"{blocks}·units" if blocks > 1 else "units"
    factor = f"{blocks} × " if blocks > 1 else ""
    arguments = [_UNITS, _FEATURES, _STEPS, _USE_BIAS]
    if gru:
        arguments.append(
            Argument(
                "reset_after",
                "flag",
                True,
                "a second bias for the recurrent product (Keras' default)",
                switch="--no-reset-after",
            )
        )
    arguments.append(_BIDIRECTIONAL)
    biases = "(2 if reset_after else 1) if use_bias else 0" if gru else "1 if use_bias else 0"
    bias_rows = (
        [
            Row(
                "{direction}bias",
                f"[2, {width}]",
                f"2 × {words} (input and recurrent bias)",
                when="use_bias and reset_after",
            ),
            Row("{direction}bias", f"[{width}]", words, when="use_bias and not reset_after"),
        ]
        if gru
        else [Row("{direction}bias", f"[{width}]", words, when="use_bias")]
    )
    options = "{'' if use_bias else ', use_bias=False'}" + (
        "{'' if reset_after else ', reset_after=False'}" if gru else ""
    )
    title_options = "units={units}, use_bias={use_bias}" + (
        ", reset_after={reset_after}" if gru else ""
    )
    return Family(
        key=key,
        framework="Keras",
        layer=layer,
        summary=f"keras.layers.{layer}",
        arguments=tuple(arguments),
        definitions=(
            ("biases", biases),
            ("bias_term", "' + ' + str(biases) if biases else ''"),
            ("twice", "'2 × ' if bidirectional else ''"),
            ("directions", "2 if bidirectional else 1"),
        ),
        weights=(
            Weights(
                (
                    Row("{direction}kernel", f"[features, {width}]", f"features × {words}"),
                    Row("{direction}recurrent_kernel", f"[units, {width}]", f"units × {words}"),
                    *bias_rows,
                ),
                each=(("direction", "['forward ', 'backward '] if bidirectional else ['']"),),
            ),
        ),
        formula=Template(f"{{twice}}{factor}units × (features + units{{bias_term}})"),
        substituted=Template(
            f"{{twice}}{factor}{{units}} × ({{features}} + {{units}}{{bias_term}})"
        ),
        call=Template(
            "{'layers.Bidirectional(' if bidirectional else ''}"
            f"layers.{layer}({{units}}{options})"
            "{')' if bidirectional else ''}"
        ),
        title=Template(
            f"{{'Bidirectional(' if bidirectional else ''}}{layer}({title_options})"
            "{')' if bidirectional else ''} on {features} input feature{'' if features == 1 else 's'}"
        ),
        # Each step multiplies its input by the kernel and the previous output by the
        # recurrent kernel, all gate blocks at once; the bias and the gates' products are
        # elementwise, and not counted.
        mult_adds=f"directions * steps * {blocks} * units * (features + units)",
        mult_adds_formula=Template(f"{{twice}}steps × {factor}units × (features + units)"),
        mult_adds_substituted=Template(
            f"{{twice}}{products.STEPS_TIMES}{factor}{{units}} × ({{features}} + {{units}})"
        ),
        mult_adds_for=Template(products.FOR_STEPS),
        **activations.keras_saved(blocks, gru=gru),
    )


KERAS_RECURRENT = {
    "LSTM": _keras_recurrent("lstm", "LSTM", 4),
    "GRU": _keras_recurrent("gru", "GRU", 3, gru=True),
    "SimpleRNN": _keras_recurrent("simple-rnn", "SimpleRNN", 1),
}
"""Keras' LSTM, GRU and SimpleRNN families, by class name."""

_DENSE = Family(
    key="dense",
    framework="Keras",
    layer="Dense",
    summary="keras.layers.Dense",
    arguments=(_UNITS, _FEATURES, _POSITIONS, _USE_BIAS),
    definitions=(("outputs", "units"), ("inputs", "features"), ("bias", "use_bias")),
    weights=(
        Weights(
            (
                Row("kernel", "[features, units]", "features × units"),
                Row("bias", "[units]", "units", when="use_bias"),
            )
        ),
    ),
    formula=Template("{'units × (features + 1)' if use_bias else 'units × features'}"),
    substituted=DENSE,
    call=Template("layers.Dense({units}{'' if use_bias else ', use_bias=False'})"),
    title=Template(
        "Dense(units={units}, use_bias={use_bias}) on {features} input feature"
        "{'' if features == 1 else 's'}"
    ),
    mult_adds="positions * units * features",
    mult_adds_formula=Template("positions × units × features"),
    mult_adds_substituted=Template(f"{products.POSITIONS_TIMES}{{units}} × {{features}}"),
    mult_adds_for=Template("at {positions} position{'' if positions == 1 else 's'}"),
    **activations.input_saved("features"),
)

# --- Keras: convolutions, embeddings, attention, normalization -------------------------------


_OUTPUT_POSITIONS = products.positions(
    "the output's positions (its sizes between the batch and the channels, multiplied)"
)


def _keras_convolution(rank: int) -> Family:
    layer = f"Conv{rank}D"
    return Family(
        key=f"conv{rank}d",
        framework="Keras",
        layer=layer,
        summary=f"keras.layers.{layer}",
        arguments=(
            Argument("filters", help="the number of output channels"),
            Argument(
                "kernel_size",
                "sizes",
                help=f"the window, {rank} size{'s' if rank > 1 else ''}",
                length=rank,
            ),
            Argument("channels", help="the input's channels (its last axis)"),
            Argument("groups", default=1, help="groups of channels convolved apart"),
            _OUTPUT_POSITIONS,
            _USE_BIAS,
        ),
        requires=(
            ("channels % groups == 0", "groups ({groups}) must divide the channels ({channels})"),
            ("filters % groups == 0", "groups ({groups}) must divide the filters ({filters})"),
        ),
        definitions=(
            ("outputs", "filters"),
            ("window", "kernel_size"),
            ("inputs", "channels"),
            ("bias", "use_bias"),
            ("bias_term", "' + 1' if use_bias else ''"),
        ),
        weights=(
            Weights(
                (
                    Row(
                        "kernel",
                        "kernel_size + [channels // groups, filters]",
                        "window × channels / groups × filters",
                    ),
                    Row("bias", "[filters]", "filters", when="use_bias"),
                )
            ),
        ),
        formula=Template("filters × (window × channels / groups{bias_term})"),
        substituted=CONVOLUTION,
        call=Template(
            f"layers.{layer}({{filters}}, {{kernel_size[0] if {rank} == 1 else kernel_size}}"
            "{'' if groups == 1 else ', groups=' + str(groups)}"
            "{'' if use_bias else ', use_bias=False'})"
        ),
        title=Template(
            f"{layer}(filters={{filters}}, kernel_size={{kernel_size}}, groups={{groups}}, "
            "use_bias={use_bias}) on {channels} input channel{'' if channels == 1 else 's'}"
        ),
        # Each output position: every filter over its window of channels / groups inputs.
        mult_adds="positions * filters * prod(kernel_size) * (channels // groups)",
        mult_adds_formula=Template("positions × filters × window × channels / groups"),
        mult_adds_substituted=Template(
            f"{products.POSITIONS_TIMES}{{filters}} × {{join(kernel_size + [channels // groups], ' × ')}}"
        ),
        mult_adds_for=products.AT_OUTPUT_POSITIONS,
    )


_EMBEDDING = Family(
    key="embedding",
    framework="Keras",
    layer="Embedding",
    summary="keras.layers.Embedding",
    arguments=(
        Argument("input_dim", help="the vocabulary size: how many vectors"),
        Argument("output_dim", help="the width of each vector"),
    ),
    definitions=(("rows", "input_dim"), ("columns", "output_dim")),
    weights=(Weights((Row("embeddings", "[input_dim, output_dim]", "input_dim × output_dim"),)),),
    formula=Template("input_dim × output_dim"),
    substituted=TABLE,
    call=Template("layers.Embedding({input_dim}, {output_dim})"),
    title=Template("Embedding(input_dim={input_dim}, output_dim={output_dim})"),
    mult_adds_for=Template("a lookup: no products"),
    mult_adds="0",
    mult_adds_formula=products.ZERO,
    mult_adds_substituted=products.ZERO,
)

_MULTI_HEAD_ATTENTION = Family(
    key="multi-head-attention",
    framework="Keras",
    layer="MultiHeadAttention",
    summary="keras.layers.MultiHeadAttention",
    arguments=(
        Argument("num_heads", help="the number of heads"),
        Argument("key_dim", help="the size of each head of the query and key"),
        Argument("value_dim", default="key_dim", help="the size of each head of the value"),
        Argument("query_features", help="the width of the query (its last axis)"),
        Argument("value_features", default="query_features", help="the width of the value"),
        Argument("key_features", default="value_features", help="the width of the key"),
        Argument(
            "output_features", default="query_features", help="the output's width (output_shape)"
        ),
        _USE_BIAS,
        Argument(
            "use_gate", "flag", False, "a gate on the attention's output", switch="--use-gate"
        ),
        *products.LENGTHS,
    ),
    definitions=(
        ("open", "'(' if use_bias else ''"),
        ("plus_one", "' + 1' if use_bias else ''"),
        ("close", "')' if use_bias else ''"),
    ),
    weights=(
        Weights(
            (
                Row(
                    "query/kernel",
                    "[query_features, num_heads, key_dim]",
                    "query features × heads × key_dim",
                ),
                Row("query/bias", "[num_heads, key_dim]", "heads × key_dim", when="use_bias"),
                Row(
                    "key/kernel",
                    "[key_features, num_heads, key_dim]",
                    "key features × heads × key_dim",
                ),
                Row("key/bias", "[num_heads, key_dim]", "heads × key_dim", when="use_bias"),
                Row(
                    "gate/kernel",
                    "[query_features, num_heads, value_dim]",
                    "query features × heads × value_dim",
                    when="use_gate",
                ),
                Row(
                    "gate/bias",
                    "[num_heads, value_dim]",
                    "heads × value_dim",
                    when="use_gate and use_bias",
                ),
                Row(
                    "value/kernel",
                    "[value_features, num_heads, value_dim]",
                    "value features × heads × value_dim",
                ),
                Row("value/bias", "[num_heads, value_dim]", "heads × value_dim", when="use_bias"),
                Row(
                    "attention_output/kernel",
                    "[num_heads, value_dim, output_features]",
                    "heads × value_dim × output features",
                ),
                Row(
                    "attention_output/bias", "[output_features]", "output features", when="use_bias"
                ),
            )
        ),
    ),
    # Query, key, (gate,) value and output, as Keras builds them and as the page on
    # attention derives them: each projection's kernel and bias, heads by head size.
    formula=Template(
        "heads × key_dim × {open}query{plus_one}{close} + heads × key_dim × "
        "{open}key{plus_one}{close}{' + heads × value_dim × ' + open + 'query' + plus_one + "
        "close if use_gate else ''} + heads × value_dim × {open}value{plus_one}{close} + "
        "output × {open}heads × value_dim{plus_one}{close}"
    ),
    substituted=Template(
        "{num_heads} × {key_dim} × {open}{query_features}{plus_one}{close} + {num_heads} × "
        "{key_dim} × {open}{key_features}{plus_one}{close}{' + ' + str(num_heads) + ' × ' + "
        "str(value_dim) + ' × ' + open + str(query_features) + plus_one + close if use_gate "
        "else ''} + {num_heads} × {value_dim} × {open}{value_features}{plus_one}{close} + "
        "{output_features} × {open}{num_heads} × {value_dim}{plus_one}{close}"
    ),
    call=Template(
        "layers.MultiHeadAttention(num_heads={num_heads}, key_dim={key_dim}"
        "{'' if value_dim == key_dim else ', value_dim=' + str(value_dim)}"
        "{'' if use_bias else ', use_bias=False'}{', use_gate=True' if use_gate else ''})"
    ),
    title=Template(
        "MultiHeadAttention(num_heads={num_heads}, key_dim={key_dim}, value_dim={value_dim}, "
        "use_bias={use_bias}) on a query of {query_features}, a key of {key_features} and a "
        "value of {value_features} features"
    ),
    # The projections, each at every position of what it projects, then the scores
    # (QKᵀ: each query position against each key position, per head) and the weighted
    # sum of the values (weights × V).
    mult_adds=(
        "num_heads * (query_length * key_dim * query_features + key_length * key_dim * "
        "key_features + (query_length * value_dim * query_features if use_gate else 0) + "
        "key_length * value_dim * value_features + query_length * value_dim * "
        "output_features + query_length * key_length * (key_dim + value_dim))"
    ),
    mult_adds_formula=Template(
        "heads × (query_length × key_dim × query + key_length × key_dim × key"
        "{' + query_length × value_dim × query' if use_gate else ''} + key_length × "
        "value_dim × value + query_length × value_dim × output + query_length × key_length "
        "× (key_dim + value_dim))"
    ),
    mult_adds_substituted=Template(
        "{num_heads} × ({query_length} × {key_dim} × {query_features} + {key_length} × "
        "{key_dim} × {key_features}{' + ' + str(query_length) + ' × ' + str(value_dim) + "
        "' × ' + str(query_features) if use_gate else ''} + {key_length} × {value_dim} × "
        "{value_features} + {query_length} × {value_dim} × {output_features} + "
        "{query_length} × {key_length} × ({key_dim} + {value_dim}))"
    ),
    mult_adds_for=products.FOR_LENGTHS,
)

_LAYER_NORMALIZATION = Family(
    key="layer-normalization",
    framework="Keras",
    layer="LayerNormalization",
    summary="keras.layers.LayerNormalization",
    arguments=(
        Argument("shape", "sizes", help="the sizes of the normalized axes (usually the last)"),
        Argument("center", "flag", True, "a learned shift, beta", switch="--no-center"),
        Argument("scale", "flag", True, "a learned scale, gamma", switch="--no-scale"),
        Argument("rms_scaling", "flag", False, "RMS scaling: gamma only", switch="--rms-scaling"),
    ),
    definitions=(
        ("gamma", "scale or rms_scaling"),
        ("beta", "center and not rms_scaling"),
        ("vectors", "(1 if gamma else 0) + (1 if beta else 0)"),
    ),
    weights=(
        Weights(
            (
                Row("gamma", "shape", "scale, one per normalized value", when="gamma"),
                Row("beta", "shape", "shift, one per normalized value", when="beta"),
            )
        ),
    ),
    formula=Template(
        "{'0' if vectors == 0 else '2 × shape (gamma, beta)' if vectors == 2 else "
        "'shape (gamma)' if gamma else 'shape (beta)'}"
    ),
    substituted=AFFINE,
    call=Template(
        "layers.LayerNormalization({join(([] if center else ['center=False']) + "
        "([] if scale else ['scale=False']) + (['rms_scaling=True'] if rms_scaling else []), "
        "', ')})"
    ),
    title=Template(
        "LayerNormalization(center={center}, scale={scale}, rms_scaling={rms_scaling}) "
        "over {join(shape, ' × ')} values"
    ),
    mult_adds_for=Template("elementwise: no products"),
    mult_adds="0",
    mult_adds_formula=products.ZERO,
    mult_adds_substituted=products.ZERO,
)

_BATCH_NORMALIZATION = Family(
    key="batch-normalization",
    framework="Keras",
    layer="BatchNormalization",
    summary="keras.layers.BatchNormalization",
    arguments=(
        Argument("channels", help="the size of the normalized axis (the channels)"),
        Argument("center", "flag", True, "a learned shift, beta", switch="--no-center"),
        Argument("scale", "flag", True, "a learned scale, gamma", switch="--no-scale"),
        Argument("renorm", "flag", False, "batch renormalization", switch="--renorm"),
    ),
    definitions=(
        ("learned", "(['gamma'] if scale else []) + (['beta'] if center else [])"),
        ("vectors", "len(learned)"),
        ("statistics", "5 if renorm else 2"),
    ),
    weights=(
        Weights(
            (
                Row("gamma", "[channels]", "scale, trained", when="scale"),
                Row("beta", "[channels]", "shift, trained", when="center"),
                Row("moving_mean", "[channels]", "moving mean, not trained", trainable="False"),
                Row(
                    "moving_variance",
                    "[channels]",
                    "moving variance, not trained",
                    trainable="False",
                ),
                Row(
                    "moving_stddev",
                    "[channels]",
                    "renorm statistic, not trained",
                    when="renorm",
                    trainable="False",
                ),
                Row(
                    "renorm_mean",
                    "[channels]",
                    "renorm statistic, not trained",
                    when="renorm",
                    trainable="False",
                ),
                Row(
                    "renorm_stddev",
                    "[channels]",
                    "renorm statistic, not trained",
                    when="renorm",
                    trainable="False",
                ),
            )
        ),
    ),
    formula=Template(
        "{str(vectors) + ' × channels (' + join(learned, ', ') + ', trained) + ' if vectors "
        "else ''}{statistics} × channels (moving mean, variance{', and renorm statistics' "
        "if renorm else ''}: not trained)"
    ),
    substituted=Template(
        "{str(vectors) + ' × ' + str(channels) + ' + ' if vectors else ''}{statistics} × {channels}"
    ),
    call=Template(
        "layers.BatchNormalization({join(([] if center else ['center=False']) + "
        "([] if scale else ['scale=False']) + (['renorm=True'] if renorm else []), ', ')})"
    ),
    title=Template(
        "BatchNormalization(center={center}, scale={scale}, renorm={renorm}) on {channels} channels"
    ),
    mult_adds_for=Template("elementwise: no products"),
    mult_adds="0",
    mult_adds_formula=products.ZERO,
    mult_adds_substituted=products.ZERO,
)


KERAS_FAMILIES = (
    *KERAS_RECURRENT.values(),
    _DENSE,
    _keras_convolution(1),
    _keras_convolution(2),
    _keras_convolution(3),
    _EMBEDDING,
    _MULTI_HEAD_ATTENTION,
    _LAYER_NORMALIZATION,
    _BATCH_NORMALIZATION,
)
"""Keras' families, in the order ``lstmdoc count`` lists them."""
