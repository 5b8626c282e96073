"""Tests for lstmdoc.explaining: every derived count is checked against real Keras."""

from __future__ import annotations

import ast
import html.parser
import json
import math
import operator
import warnings
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lstmdoc
from lstmdoc import explaining

SIZES = st.integers(min_value=1, max_value=24)
SMALL = st.integers(min_value=1, max_value=6)
SWEEP = settings(max_examples=15, deadline=None)


def evaluate(formula: str) -> int:
    """Evaluate a printed formula such as ``4 × (3 × 3 × 8 / 2 + 1)``: +, ×, exact / only."""

    def divide(left: int, right: int) -> int:
        assert left % right == 0, f"{left} / {right} is not whole"
        return left // right

    operators = {ast.Add: operator.add, ast.Mult: operator.mul, ast.Div: divide}

    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.BinOp) and type(node.op) in operators:
            return int(operators[type(node.op)](walk(node.left), walk(node.right)))
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        raise ValueError(f"unexpected element in formula: {ast.dump(node)}")

    return walk(ast.parse(formula.replace("×", "*"), mode="eval").body)


def explained_alone(layer: keras.layers.Layer, input_shape: tuple[int, ...], **input_options):
    """Put ``layer`` after ``keras.Input(input_shape)`` and explain the model's one row."""
    model = keras.Sequential([keras.Input(shape=input_shape, **input_options), layer])
    report = lstmdoc.explain(model)
    assert len(report.rows) == 1
    return report.rows[0]


def assert_derived_and_agrees(row, layer: keras.layers.Layer) -> None:
    """The row is derived, equals Keras' count, and its formula evaluates to that count."""
    assert row.derived, row
    assert row.keras_params == layer.count_params()
    assert row.params == layer.count_params(), row.formula
    assert row.formula is not None
    assert evaluate(row.formula) == row.params
    assert row.agrees
    assert row.check == "ok"


class TestDerivedLayersAgainstKeras:
    @SWEEP
    @given(
        units=SIZES,
        features=SIZES,
        leading=st.lists(SMALL, max_size=2),
        use_bias=st.booleans(),
    )
    def test_dense_on_any_rank(self, units, features, leading, use_bias):
        """Dense counts units × (features + 1) on inputs of rank 2, 3 or 4."""
        layer = keras.layers.Dense(units, use_bias=use_bias)
        row = explained_alone(layer, (*leading, features))
        assert_derived_and_agrees(row, layer)
        assert row.layer == "Dense"

    @SWEEP
    @given(input_dim=st.integers(1, 5000), output_dim=SIZES)
    def test_embedding(self, input_dim, output_dim):
        """Embedding counts input_dim × output_dim."""
        layer = keras.layers.Embedding(input_dim, output_dim)
        row = explained_alone(layer, (7,), dtype="int32")
        assert_derived_and_agrees(row, layer)
        assert row.formula == f"{input_dim} × {output_dim}"

    @SWEEP
    @given(
        kind=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]),
        units=SIZES,
        features=SIZES,
        use_bias=st.booleans(),
        reset_after=st.booleans(),
    )
    def test_recurrent_layers(self, kind, units, features, use_bias, reset_after):
        """LSTM, SimpleRNN and GRU, with either reset_after, match Keras' count."""
        options = {"reset_after": reset_after} if kind == "GRU" else {}
        layer = getattr(keras.layers, kind)(units, use_bias=use_bias, **options)
        row = explained_alone(layer, (5, features))
        assert_derived_and_agrees(row, layer)
        assert row.layer == kind

    @SWEEP
    @given(
        kind=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]),
        units=SIZES,
        features=SIZES,
        merge_mode=st.sampled_from(["concat", "sum", "mul", "ave", None]),
    )
    def test_bidirectional_counts_both_directions(self, kind, units, features, merge_mode):
        """Bidirectional is forward plus backward, twice the wrapped count, whatever merge_mode."""
        layer = keras.layers.Bidirectional(
            getattr(keras.layers, kind)(units), merge_mode=merge_mode
        )
        row = explained_alone(layer, (5, features))
        assert_derived_and_agrees(row, layer)
        assert row.layer == f"Bidirectional({kind})"
        assert row.formula.startswith("2 × ")

    def test_bidirectional_with_a_different_backward_layer(self):
        """A backward_layer configured unlike the forward one is counted on its own."""
        layer = keras.layers.Bidirectional(
            keras.layers.LSTM(6),
            backward_layer=keras.layers.LSTM(4, use_bias=False, go_backwards=True),
        )
        row = explained_alone(layer, (5, 3))
        assert_derived_and_agrees(row, layer)
        assert row.formula == "4 × 6 × (3 + 6 + 1) + 4 × 4 × (3 + 4)"

    @SWEEP
    @given(units=SIZES, features=SIZES, timesteps=SMALL)
    def test_time_distributed_dense(self, units, features, timesteps):
        """TimeDistributed(Dense) counts one Dense: the time axis adds no weights."""
        layer = keras.layers.TimeDistributed(keras.layers.Dense(units))
        row = explained_alone(layer, (timesteps, features))
        assert_derived_and_agrees(row, layer)
        assert row.layer == "TimeDistributed(Dense)"
        assert row.formula == f"{units} × ({features} + 1)"

    def test_time_distributed_conv2d(self):
        """TimeDistributed(Conv2D) counts the Conv2D on one frame."""
        layer = keras.layers.TimeDistributed(keras.layers.Conv2D(5, 3))
        row = explained_alone(layer, (4, 9, 9, 2))
        assert_derived_and_agrees(row, layer)

    @SWEEP
    @given(
        rank=st.sampled_from([1, 2]),
        filters=SIZES,
        group_channels=SMALL,
        groups=st.sampled_from([1, 1, 2, 3]),
        kernel=st.lists(st.integers(1, 4), min_size=2, max_size=2),
        use_bias=st.booleans(),
        channels_first=st.booleans(),
    )
    def test_convolutions(
        self, rank, filters, group_channels, groups, kernel, use_bias, channels_first
    ):
        """Conv1D and Conv2D count filters × (window × channels / groups + 1)."""
        channels = group_channels * groups
        filters *= groups  # Keras needs filters divisible by groups
        data_format = "channels_first" if channels_first else "channels_last"
        layer = getattr(keras.layers, f"Conv{rank}D")(
            filters,
            tuple(kernel[:rank]),
            groups=groups,
            use_bias=use_bias,
            padding="same",
            data_format=data_format,
        )
        space = (6,) * rank
        shape = (channels, *space) if channels_first else (*space, channels)
        row = explained_alone(layer, shape)
        assert_derived_and_agrees(row, layer)

    @pytest.mark.parametrize("rank", [1, 2, 3])
    def test_transposed_convolutions(self, rank):
        """Conv1DTranspose to Conv3DTranspose count like their convolutions."""
        layer = getattr(keras.layers, f"Conv{rank}DTranspose")(4, 3)
        row = explained_alone(layer, (*(5,) * rank, 3))
        assert_derived_and_agrees(row, layer)

    @SWEEP
    @given(
        rank=st.sampled_from([1, 2]),
        filters=st.integers(1, 12),
        channels=SMALL,
        kernel=st.lists(st.integers(1, 3), min_size=2, max_size=2),
        use_bias=st.booleans(),
        channels_first=st.booleans(),
    )
    def test_conv_lstm(self, rank, filters, channels, kernel, use_bias, channels_first):
        """ConvLSTM1D and ConvLSTM2D count 4 × filters × (window × (channels + filters) + 1)."""
        data_format = "channels_first" if channels_first else "channels_last"
        layer = getattr(keras.layers, f"ConvLSTM{rank}D")(
            filters,
            tuple(kernel[:rank]),
            use_bias=use_bias,
            padding="same",
            data_format=data_format,
        )
        space = (5,) * rank
        shape = (3, channels, *space) if channels_first else (3, *space, channels)
        row = explained_alone(layer, shape)
        assert_derived_and_agrees(row, layer)

    @SWEEP
    @given(
        sizes=st.lists(SIZES, min_size=1, max_size=3),
        axis_choice=st.sampled_from(["last", "last two"]),
        center=st.booleans(),
        scale=st.booleans(),
    )
    def test_layer_normalization(self, sizes, axis_choice, center, scale):
        """LayerNormalization counts gamma and beta over the normalised axes."""
        axis = [-2, -1] if axis_choice == "last two" and len(sizes) >= 2 else -1
        if not (center or scale):
            scale = True  # a layer with no weights has no row to explain
        layer = keras.layers.LayerNormalization(axis=axis, center=center, scale=scale)
        row = explained_alone(layer, tuple(sizes))
        assert_derived_and_agrees(row, layer)

    @pytest.mark.parametrize("center", [True, False])
    def test_layer_normalization_with_rms_scaling_has_gamma_only(self, center):
        """The deprecated rms_scaling=True keeps gamma and drops beta, even with center."""
        with pytest.warns(UserWarning, match="rms_scaling"):
            layer = keras.layers.LayerNormalization(center=center, rms_scaling=True)
        row = explained_alone(layer, (4, 6))
        assert_derived_and_agrees(row, layer)
        assert row.formula == "1 × 6"

    @SWEEP
    @given(
        channels=SIZES,
        leading=st.lists(SMALL, max_size=2),
        center=st.booleans(),
        scale=st.booleans(),
        renorm=st.booleans(),
        channels_first=st.booleans(),
    )
    def test_batch_normalization(self, channels, leading, center, scale, renorm, channels_first):
        """BatchNormalization: gamma and beta trainable, the moving statistics not."""
        axis = 1 if channels_first else -1
        shape = (channels, *leading) if channels_first else (*leading, channels)
        layer = keras.layers.BatchNormalization(
            axis=axis, center=center, scale=scale, renorm=renorm
        )
        row = explained_alone(layer, shape)
        assert_derived_and_agrees(row, layer)
        assert row.trainable_params == (int(center) + int(scale)) * channels
        assert row.non_trainable_params == (2 + 3 * int(renorm)) * channels

    def test_batch_normalization_shows_two_trainable_and_two_statistics(self):
        """BatchNormalization on 64 channels reads 2 × 64 + 2 × 64: 128 trainable, 128 not."""
        layer = keras.layers.BatchNormalization()
        row = explained_alone(layer, (10, 64))
        assert row.formula == "2 × 64 + 2 × 64"
        assert (row.trainable_params, row.non_trainable_params) == (128, 128)

    @pytest.mark.parametrize("kind", ["Dense", "Embedding"])
    def test_lora_adds_two_low_rank_factors(self, kind):
        """With LoRA enabled, Dense and Embedding add rank × (rows + columns)."""
        if kind == "Dense":
            layer, shape, options = keras.layers.Dense(7), (5,), {}
        else:
            layer, shape, options = keras.layers.Embedding(50, 7), (3,), {"dtype": "int32"}
        model = keras.Sequential([keras.Input(shape=shape, **options), layer])
        layer.enable_lora(2)
        row = lstmdoc.explain(model).rows[0]
        assert_derived_and_agrees(row, layer)
        assert row.formula is not None
        assert row.formula.endswith(" + 2 × (5 + 7)" if kind == "Dense" else " + 2 × (50 + 7)")


class LayerWithItsOwnWeights(keras.layers.Layer):  # type: ignore[misc]
    """A custom layer lstmdoc has no formula for."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1], 3), name="scale")

    def call(self, inputs):
        return inputs @ self.scale


class Dense(keras.layers.Dense):  # type: ignore[misc]
    """A user's subclass that shares Keras' class name but adds a weight."""

    def build(self, input_shape):
        super().build(input_shape)
        self.extra = self.add_weight(shape=(5,), name="extra")


def tutorial_model() -> keras.Model:
    return keras.Sequential(
        [keras.Input(shape=(20, 1)), keras.layers.LSTM(20), keras.layers.Dense(20)],
        name="tutorial",
    )


class TestReport:
    def test_tutorial_model(self):
        """The tutorial's LSTM(20) and Dense(20) explain as 1,760 + 420 = 2,180."""
        model = tutorial_model()
        report = lstmdoc.explain(model)
        assert [(row.name, row.layer) for row in report.rows] == [
            (layer.name, type(layer).__name__) for layer in model.layers
        ]
        assert [row.layer for row in report.rows] == ["LSTM", "Dense"]
        assert report.rows[0].formula == "4 × 20 × (1 + 20 + 1)"
        assert [row.params for row in report.rows] == [
            layer.count_params() for layer in model.layers
        ]
        assert report.total_params == report.derived_params == model.count_params()
        assert report.agrees

    def test_nested_models_are_expanded_with_paths(self):
        """A nested model's layers appear in order, named encoder/layer, totals equal Keras'."""
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = keras.layers.Embedding(100, 8, name="embed")(inputs)
        x = keras.layers.Bidirectional(keras.layers.LSTM(6, return_sequences=True), name="bi")(x)
        x = keras.layers.BatchNormalization(name="norm")(x)
        encoder = keras.Model(inputs, keras.layers.GRU(4, name="gru")(x), name="encoder")
        model = keras.Sequential(
            [keras.Input(shape=(None,), dtype="int32"), encoder, keras.layers.Dense(2, name="out")],
            name="classifier",
        )
        report = lstmdoc.explain(model)
        assert [row.name for row in report.rows] == [
            "encoder/embed",
            "encoder/bi",
            "encoder/norm",
            "encoder/gru",
            "out",
        ]
        assert report.model == "classifier"
        assert report.total_params == model.count_params()
        assert sum(row.keras_params for row in report.rows) == model.count_params()
        assert report.trainable_params == sum(
            math.prod(weight.shape) for weight in model.trainable_weights
        )
        assert report.non_trainable_params == 2 * 12  # the BatchNormalization's statistics
        assert report.trainable_params + report.non_trainable_params == model.count_params()
        assert report.agrees

    def test_a_shared_layer_is_counted_once(self):
        """A layer applied twice owns one set of weights, and gets one row, as in Keras."""
        shared = keras.layers.Dense(4, name="shared")
        first, second = keras.Input(shape=(3,)), keras.Input(shape=(3,))
        merged = keras.layers.Concatenate()([shared(first), shared(second)])
        model = keras.Model([first, second], keras.layers.Dense(1, name="out")(merged))
        report = lstmdoc.explain(model)
        assert [row.name for row in report.rows] == ["shared", "out"]
        assert report.total_params == model.count_params() == report.derived_params

    def test_frozen_layers_count_as_non_trainable(self):
        """A layer with trainable=False moves its count to the non-trainable total."""
        model = tutorial_model()
        model.layers[0].trainable = False
        report = lstmdoc.explain(model)
        assert report.rows[0].trainable_params == 0
        assert report.rows[0].non_trainable_params == 1760
        assert report.non_trainable_params == 1760
        assert report.trainable_params == model.count_params() - 1760
        assert report.agrees  # freezing changes nothing in the formulas

    def test_a_layer_without_formula_is_listed_with_keras_count(self):
        """A custom layer is listed, not derived, with Keras' count; the report still renders."""
        model = keras.Sequential(
            [keras.Input(shape=(4,)), LayerWithItsOwnWeights(name="custom"), Dense(2)]
        )
        report = lstmdoc.explain(model)
        custom, subclass = report.rows
        for row in (custom, subclass):
            assert not row.derived
            assert row.params is None
            assert row.formula is None
            assert row.check == "not derived"
            assert not row.agrees
        assert custom.keras_params == 12
        assert subclass.keras_params == model.layers[1].count_params()
        assert report.total_params == model.count_params()
        assert report.derived_params is None
        assert not report.all_derived
        assert not report.agrees
        text = str(report)
        assert "not derived" in text
        assert "lstmdoc has no formula for custom" in text
        assert "lstmdoc derives every layer" not in text

    def test_a_disagreement_is_shown_not_hidden(self, monkeypatch):
        """A derived count that differs from Keras' is marked DIFFERS in every form."""
        monkeypatch.setitem(explaining._RULES, "Dense", lambda _layer, _shape: ("1 × 1", 1))
        report = lstmdoc.explain(tutorial_model())
        dense = report.rows[1]
        assert dense.derived
        assert not dense.agrees
        assert dense.check == "DIFFERS"
        assert report.disagreements == (dense,)
        assert not report.agrees
        assert "DISAGREEMENT" in str(report)
        assert "DIFFERS" in str(report)
        assert "DIFFERS from Keras" in report._repr_html_()
        assert report.to_dict()["agrees"] is False
        assert report.to_dict()["rows"][1]["agrees"] is False

    def test_a_recurrent_layer_given_an_initial_state(self):
        """An LSTM called with initial_state (built from two shapes) is still derived."""
        sequences, h, c = (
            keras.Input(shape=(5, 3)),
            keras.Input(shape=(4,)),
            keras.Input(shape=(4,)),
        )
        lstm = keras.layers.LSTM(4)
        model = keras.Model([sequences, h, c], lstm(sequences, initial_state=[h, c]))
        row = lstmdoc.explain(model).rows[0]
        assert_derived_and_agrees(row, lstm)

    def test_a_single_layer_can_be_explained(self):
        """A built layer, not only a model, explains as one row."""
        layer = keras.layers.GRU(5)
        layer.build((None, 4, 3))
        report = lstmdoc.explain(layer)
        assert len(report.rows) == 1
        assert report.rows[0].params == layer.count_params() == report.total_params

    def test_a_model_without_weights_has_no_rows(self):
        """A model of weightless layers reports zero and says so."""
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.ReLU()])
        report = lstmdoc.explain(model)
        assert report.rows == ()
        assert report.total_params == 0
        assert "No layer owns weights." in str(report)


class TableCells(html.parser.HTMLParser):
    """Collect the text of every table row's cells."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.caption = ""
        self._in = ""

    def handle_starttag(self, tag, _attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in {"td", "th", "caption"}:
            self._in = tag
            if tag != "caption":
                self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag in {"td", "th", "caption"}:
            self._in = ""

    def handle_data(self, data):
        if self._in == "caption":
            self.caption += data
        elif self._in:
            self.rows[-1][-1] += data


class TestForms:
    def test_text_table_lists_every_row_and_the_total(self):
        """str(report) has a title with the totals, one line per row, and a total line."""
        model = tutorial_model()
        text = str(lstmdoc.explain(model))
        lines = text.splitlines()
        assert lines[0] == ("Model 'tutorial': 2,180 parameters (2,180 trainable, 0 non-trainable)")
        assert lines[2].split() == ["layer", "class", "formula", "lstmdoc", "Keras", "check"]
        lstm_line = next(line for line in lines if "LSTM" in line)
        assert lstm_line.split()[-3:] == ["1,760", "1,760", "ok"]
        assert "4 × 20 × (1 + 20 + 1)" in lstm_line
        total = next(line for line in lines if line.strip().startswith("total"))
        assert total.split() == ["total", "2,180", "2,180"]
        assert lines[-1] == "lstmdoc derives every layer's count, and each agrees with Keras."

    def test_html_table_has_the_same_cells(self):
        """_repr_html_() is a table with a header, a cell per value, and the escaped name."""
        model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)], name="a<b>&c")
        report = lstmdoc.explain(model)
        markup = report._repr_html_()
        assert "a<b>" not in markup  # escaped
        parser = TableCells()
        parser.feed(markup)
        assert parser.caption.startswith("Model 'a<b>&c': 8 parameters")
        header, row, total = parser.rows
        assert header == ["layer", "class", "formula", "lstmdoc", "Keras", "check"]
        assert row[1:] == ["Dense", "2 × (3 + 1)", "8", "8", "ok"]
        assert total[0] == "total"
        assert total[3:5] == ["8", "8"]

    def test_dict_is_plain_json(self):
        """to_dict() survives a JSON round trip and holds every row's fields and the totals."""
        model = tutorial_model()
        report = lstmdoc.explain(model)
        data = json.loads(report.to_json())
        assert data == report.to_dict()
        assert data["total_params"] == model.count_params()
        assert data["agrees"] is True
        assert [row["keras_params"] for row in data["rows"]] == [1760, 420]
        assert set(data["rows"][0]) == {
            "name",
            "layer",
            "formula",
            "params",
            "keras_params",
            "trainable_params",
            "non_trainable_params",
            "derived",
            "agrees",
        }


class TestBadInput:
    def test_unbuilt_model_says_how_to_build_it(self):
        """A Sequential without keras.Input raises ValueError pointing at keras.Input."""
        model = keras.Sequential([keras.layers.LSTM(20), keras.layers.Dense(1)])
        with pytest.raises(ValueError, match=r"model must be built.*keras\.Input"):
            lstmdoc.explain(model)

    def test_unbuilt_layer_is_refused(self):
        """An unbuilt layer raises ValueError naming layer.build."""
        with pytest.raises(ValueError, match=r"layer\.build\(input_shape\)"):
            lstmdoc.explain(keras.layers.Dense(3))

    @pytest.mark.parametrize("model", [None, "model.keras", 3, np.zeros(3)])
    def test_not_a_keras_object_raises_type_error(self, model):
        """Anything but a Keras model or layer raises TypeError naming model."""
        with pytest.raises(TypeError, match=r"^model must be a built Keras model or layer, got"):
            lstmdoc.explain(model)


# --- saved files --------------------------------------------------------------------


MARKER = "LSTMDOC_TEST_MARKER"  # where the Lambda below writes when its code runs


def lambda_model() -> keras.Model:
    """A model whose Lambda layer, whenever its code runs, writes the file named by $MARKER.

    The function reads the path from the environment, since a lambda's defaults and
    globals do not survive Keras' serialization; with $MARKER unset it writes to
    /dev/null.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Lambda(
                lambda x: (
                    __import__("pathlib")
                    .Path(__import__("os").environ.get("LSTMDOC_TEST_MARKER", "/dev/null"))
                    .write_text("ran"),
                    x,
                )[1],
                name="writes_a_file",
            ),
            keras.layers.Dense(2),
        ]
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A folder with a saved tutorial model and a saved model with a marker-writing Lambda."""
    folder = tmp_path_factory.mktemp("models")
    with warnings.catch_warnings():
        # Keras' TensorFlow backend hands variables to np.array with copy=False, which
        # NumPy 2 deprecates; the saved files are sound.
        warnings.simplefilter("ignore", DeprecationWarning)
        tutorial_model().save(folder / "tutorial.keras")
        lambda_model().save(folder / "lambda.keras")
    return folder


@pytest.fixture
def marker(tmp_path, monkeypatch):
    """The file the Lambda's code writes if it runs: absent until then."""
    path = tmp_path / "marker"
    monkeypatch.setenv(MARKER, str(path))
    return path


def rewrite_archive(source: Path, target: Path, change) -> None:
    """Copy a .keras archive, passing each member's name and bytes through ``change``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = change(name, old.read(name))
            if data is not None:
                new.writestr(name, data)


class TestExplainFile:
    def test_a_saved_model_explains_as_the_model(self, saved):
        """explain_file gives the report explain gives for the model Keras loads."""
        report = lstmdoc.explain_file(saved / "tutorial.keras")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # as in `saved`
            model = keras.saving.load_model(saved / "tutorial.keras")
        assert report.to_dict() == lstmdoc.explain(model).to_dict()
        assert report.total_params == model.count_params() == 2180
        assert lstmdoc.explain_file(str(saved / "tutorial.keras")).agrees

    def test_the_lambda_file_would_run_its_code(self, saved, marker):
        """Control: loading the Lambda file unsafely does run its code and write the marker."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # as in `saved`
            keras.saving.load_model(saved / "lambda.keras", safe_mode=False)
        assert marker.read_text() == "ran"

    def test_a_lambda_layer_is_refused_without_running_it(self, saved, marker):
        """A Lambda layer raises UnsafeModelError naming it, and its code never runs."""
        with pytest.raises(lstmdoc.UnsafeModelError, match=r"the Lambda layer 'writes_a_file'"):
            lstmdoc.explain_file(saved / "lambda.keras")
        assert not marker.exists()

    def test_keras_safe_mode_refuses_what_lstmdoc_does_not_see(self, saved, marker, monkeypatch):
        """Without lstmdoc's own scan, Keras' safe mode still refuses the file, code unrun."""
        monkeypatch.setattr(explaining, "_lambda_layers", lambda _config: iter(()))
        with pytest.raises(lstmdoc.UnsafeModelError, match="safe_mode"):
            lstmdoc.explain_file(saved / "lambda.keras")
        assert not marker.exists()

    def test_a_python_lambda_anywhere_is_refused(self, saved, marker, tmp_path):
        """A stored Python lambda outside a Lambda layer (here a Dense activation) is refused."""
        with zipfile.ZipFile(saved / "lambda.keras") as archive:
            config = json.loads(archive.read("config.json"))
        lambda_layer, dense = config["config"]["layers"][1:3]
        dense["config"]["activation"] = lambda_layer["config"]["function"]
        config["config"]["layers"].remove(lambda_layer)
        target = tmp_path / "activation.keras"
        rewrite_archive(
            saved / "lambda.keras",
            target,
            lambda name, data: json.dumps(config).encode() if name == "config.json" else data,
        )
        with pytest.raises(lstmdoc.UnsafeModelError, match="a Python lambda"):
            lstmdoc.explain_file(target)
        assert not marker.exists()

    def test_a_missing_file(self, tmp_path):
        """A path that does not exist raises ValueError naming the path."""
        with pytest.raises(ValueError, match=r"^path '.*missing\.keras' does not exist$"):
            lstmdoc.explain_file(tmp_path / "missing.keras")

    def test_a_directory(self, tmp_path):
        """A directory raises ValueError."""
        with pytest.raises(ValueError, match=r"is a directory, expected a \.keras file"):
            lstmdoc.explain_file(tmp_path)

    @pytest.mark.parametrize("name", ["model.h5", "model.json", "model"])
    def test_other_suffixes_are_refused(self, tmp_path, name):
        """Only .keras files are read: legacy H5 and other files are refused by name."""
        path = tmp_path / name
        path.write_text("{}")
        with pytest.raises(ValueError, match=r"must be a \.keras file"):
            lstmdoc.explain_file(path)

    def test_a_file_that_is_not_an_archive(self, tmp_path):
        """A .keras file that is not a zip archive raises ValueError."""
        path = tmp_path / "notes.keras"
        path.write_text("not a model")
        with pytest.raises(ValueError, match=r"is not a Keras model: it is not a \.keras \(zip\)"):
            lstmdoc.explain_file(path)

    def test_a_truncated_archive(self, saved, tmp_path):
        """A .keras archive cut short raises ValueError, not zipfile's exception."""
        data = (saved / "tutorial.keras").read_bytes()
        path = tmp_path / "cut.keras"
        path.write_bytes(data[: len(data) // 2] + data[-200:])
        with pytest.raises(ValueError, match=r"^path '.*cut\.keras' (is|could)"):
            lstmdoc.explain_file(path)

    def test_an_archive_without_a_config(self, saved, tmp_path):
        """A zip archive with no config.json is not a Keras model."""
        path = tmp_path / "empty.keras"
        rewrite_archive(
            saved / "tutorial.keras",
            path,
            lambda name, data: None if name == "config.json" else data,
        )
        with pytest.raises(ValueError, match=r"the archive has no config\.json"):
            lstmdoc.explain_file(path)

    def test_a_config_that_is_not_json(self, saved, tmp_path):
        """A config.json that is not JSON raises ValueError saying so."""
        path = tmp_path / "garbled.keras"
        rewrite_archive(
            saved / "tutorial.keras",
            path,
            lambda name, data: b"{not json" if name == "config.json" else data,
        )
        with pytest.raises(ValueError, match=r"its config\.json is not JSON"):
            lstmdoc.explain_file(path)

    def test_corrupt_weights(self, saved, tmp_path):
        """Weights Keras cannot read raise ValueError with Keras' reason on one line."""
        path = tmp_path / "weights.keras"
        rewrite_archive(
            saved / "tutorial.keras",
            path,
            lambda name, data: b"garbage" if name.endswith(".h5") else data,
        )
        with pytest.raises(ValueError, match="could not be loaded as a Keras model") as error:
            lstmdoc.explain_file(path)
        assert "\n" not in str(error.value)

    def test_an_unknown_custom_layer(self, saved, tmp_path):
        """A layer class Keras does not know is refused with Keras' reason."""
        with zipfile.ZipFile(saved / "tutorial.keras") as archive:
            config = json.loads(archive.read("config.json"))
        layer = config["config"]["layers"][-1]
        layer.update(module="my_package.layers", class_name="MyLayer", registered_name="MyLayer")
        path = tmp_path / "custom.keras"
        rewrite_archive(
            saved / "tutorial.keras",
            path,
            lambda name, data: json.dumps(config).encode() if name == "config.json" else data,
        )
        with pytest.raises(ValueError, match="could not be loaded as a Keras model"):
            lstmdoc.explain_file(path)

    @pytest.mark.parametrize("path", [None, 3, b"model.keras"])
    def test_path_must_be_a_path(self, path):
        """A path that is not a string or os.PathLike raises TypeError naming path."""
        with pytest.raises(TypeError, match=r"^path must be a path to a \.keras file"):
            lstmdoc.explain_file(path)
