"""Tests for lstmdoc.keras.files: a .keras file is read as data, and bad files are refused."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
from keras import layers

import lstmdoc
from lstmdoc.keras import files as keras_files
from tests._keras_models import as_stored, save


def classifier() -> keras.Model:
    """A small stacked bidirectional text classifier."""
    return keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            layers.Embedding(500, 16, name="embedding"),
            layers.Bidirectional(layers.LSTM(8, return_sequences=True, name="lstm"), name="bi"),
            layers.Dropout(0.2),
            layers.Bidirectional(layers.GRU(4, name="gru"), name="bi_gru"),
            layers.BatchNormalization(name="norm"),
            layers.Dense(3, activation="softmax", name="out"),
        ],
        name="classifier",
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """The classifier, saved."""
    return save(classifier(), tmp_path_factory.mktemp("files") / "classifier.keras")


def rewrite_archive(source: Path, target: Path, change) -> Path:
    """Copy a .keras archive, passing each member's name and bytes through ``change``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = change(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
    return target


def with_config(source: Path, target: Path, edit) -> Path:
    """Copy a .keras archive with its config.json changed in place by ``edit``."""
    with zipfile.ZipFile(source) as archive:
        config = json.loads(archive.read("config.json"))
    edit(config)
    return rewrite_archive(
        source,
        target,
        lambda name, data: json.dumps(config).encode() if name == "config.json" else data,
    )


def layer_config(config, name):
    """The config.json entry of the layer called ``name``."""
    return next(layer for layer in config["config"]["layers"] if layer["config"]["name"] == name)


class TestReading:
    def test_every_layer_is_derived_and_checked_against_the_stored_arrays(self, saved):
        """A file of built-in layers: each row derived, and equal to the arrays Keras stored."""
        report = lstmdoc.explain_file(saved)
        model = classifier()
        assert [row.name for row in report.top_rows] == ["embedding", "bi", "bi_gru", "norm", "out"]
        assert report.total_params == model.count_params()
        assert report.agrees
        assert report.non_trainable_params == 2 * 8  # the BatchNormalization's statistics

    def test_the_weights_file_is_indexed_by_layer_name(self, saved):
        """Each layer's group is found by the name Keras records in it, sizes summed beneath."""
        weights = keras_files.read(saved).weights
        assert weights is not None
        assert weights.find("", "bi") == "layers/bidirectional"
        assert (
            weights.find("layers/bidirectional", "forward_lstm")
            == "layers/bidirectional/forward_layer"
        )
        assert weights.size("layers/embedding") == 500 * 16
        assert weights.model_params == classifier().count_params()

    def test_without_h5py_the_file_is_still_explained(self, saved, monkeypatch):
        """With h5py missing, rows are derived from the config; the note says how to check them."""
        monkeypatch.setitem(sys.modules, "h5py", None)  # `import h5py` now raises ImportError
        report = lstmdoc.explain_file(saved)
        assert [row.name for row in report.top_rows] == ["embedding", "bi", "bi_gru", "norm", "out"]
        assert all(row.derived and row.check == "not checked" for row in report.rows)
        assert report.total_params is None
        assert report.derived_params == classifier().count_params()
        assert any("h5py is not installed" in note for note in report.notes)
        assert "h5py is not installed" in str(report)

    def test_a_custom_class_without_readable_weights_has_no_count(
        self, saved, tmp_path, monkeypatch
    ):
        """A custom class with no weights file to read is listed with no count at all."""
        monkeypatch.setitem(sys.modules, "h5py", None)
        path = with_config(
            saved,
            tmp_path / "custom.keras",
            lambda config: layer_config(config, "out").update(
                module="my_package.layers", class_name="MyLayer", registered_name="my>MyLayer"
            ),
        )
        row = lstmdoc.explain_file(path).rows[-1]
        assert (row.layer, row.params, row.framework_params) == ("MyLayer", None, None)
        assert "custom class (my>MyLayer)" in str(row.note)

    def test_a_custom_class_is_named_with_its_stored_count(self, saved, tmp_path):
        """An unknown class is never imported: its count is read from the weights file."""
        path = with_config(
            saved,
            tmp_path / "custom.keras",
            lambda config: layer_config(config, "out").update(
                module="my_package.layers", class_name="MyLayer", registered_name="my>MyLayer"
            ),
        )
        report = lstmdoc.explain_file(path)
        row = next(row for row in report.rows if row.name == "out")
        # Never run, but its arrays are stored: the class is shown with their shapes.
        assert (row.layer, row.params, row.framework_params) == ("MyLayer", 27, 3 * (8 + 1))
        assert row.check == "declared"
        inner = [(r.name, r.params) for r in report.rows if r.name.startswith("out/")]
        assert inner == [("out/vars/0", 8 * 3), ("out/vars/1", 3)]
        assert report.total_params == report.derived_params
        assert not report.all_derived

    def test_a_bidirectional_without_a_backward_layer_config(self, saved, tmp_path):
        """An older config with no backward_layer gets Keras' own backward copy of the layer."""

        def drop_backward(config):
            layer_config(config, "bi")["config"].pop("backward_layer")

        report = lstmdoc.explain_file(with_config(saved, tmp_path / "old.keras", drop_backward))
        rows = {row.name: row for row in report.rows}
        assert rows["bi/backward_lstm"].check == "ok"
        assert report.agrees

    def test_a_layer_without_a_build_config_is_built_on_its_stored_shapes(self, saved, tmp_path):
        """A layer whose build_config is missing is derived on the input its arrays show."""
        path = with_config(
            saved, tmp_path / "unbuilt.keras", lambda c: layer_config(c, "out").pop("build_config")
        )
        row = lstmdoc.explain_file(path).rows[-1]
        assert (row.params, row.framework_params, row.check) == (27, 3 * (8 + 1), "ok")

    def test_a_layer_never_built_is_not_derived(self, saved, tmp_path, monkeypatch):
        """Without a build_config or stored arrays to build on, a layer is not derived, and why."""
        monkeypatch.setitem(sys.modules, "h5py", None)
        path = with_config(
            saved, tmp_path / "unbuilt.keras", lambda c: layer_config(c, "out").pop("build_config")
        )
        row = lstmdoc.explain_file(path).rows[-1]
        assert (row.params, row.framework_params) == (None, None)
        assert "never built" in str(row.note)

    def test_a_config_lstmdoc_does_not_understand(self, saved, tmp_path):
        """A built-in layer with a malformed config is listed, not derived, with the reason."""
        path = with_config(
            saved,
            tmp_path / "odd.keras",
            lambda c: layer_config(c, "out")["config"].update(units="x"),
        )
        row = lstmdoc.explain_file(path).rows[-1]
        assert row.params is None
        assert "not one lstmdoc understands" in str(row.note)

    def test_garbage_weights_leave_the_derivation_unchecked(self, saved, tmp_path):
        """Weights h5py cannot read: the rows are derived, unchecked, and the note says why."""
        path = rewrite_archive(
            saved,
            tmp_path / "weights.keras",
            lambda name, data: b"garbage" if name.endswith(".h5") else data,
        )
        report = lstmdoc.explain_file(path)
        assert all(row.check == "not checked" for row in report.rows)
        assert any("could not be read" in note for note in report.notes)

    def test_a_missing_weights_file_is_noted(self, saved, tmp_path):
        """An archive without model.weights.h5 is explained from its config alone."""
        path = rewrite_archive(
            saved,
            tmp_path / "bare.keras",
            lambda name, data: None if name.endswith(".h5") else data,
        )
        report = lstmdoc.explain_file(path)
        assert report.derived_params == classifier().count_params()
        assert any("no model.weights.h5" in note for note in report.notes)

    def test_links_in_the_weights_file_are_not_followed(self, saved, tmp_path):
        """A soft or external link in the weights file adds nothing: only stored arrays count."""
        elsewhere = tmp_path / "elsewhere.h5"
        with h5py.File(elsewhere, "w") as other:
            other.create_dataset("big", shape=(1000, 1000), dtype="f4")

        def add_links(name, data):
            if not name.endswith(".h5"):
                return data
            buffer = io.BytesIO(data)
            with h5py.File(buffer, "a") as weights:
                group = weights["layers/dense"]
                group["soft"] = h5py.SoftLink("/layers/embedding")
                group["external"] = h5py.ExternalLink(str(elsewhere), "/big")
            return buffer.getvalue()

        report = lstmdoc.explain_file(rewrite_archive(saved, tmp_path / "links.keras", add_links))
        assert report.total_params == classifier().count_params()
        assert report.agrees


class TestFixture:
    def test_the_committed_tutorial_file_is_what_keras_writes(self, tmp_path):
        """tests/data/tutorial.keras, which the NumPy-only session reads, matches Keras' own save."""
        import lstmdoc.example  # noqa: PLC0415

        fixture = Path(__file__).parents[1] / "data" / "tutorial.keras"
        model = lstmdoc.example.build_model()
        fresh = save(model, tmp_path / "tutorial.keras")
        committed, written = lstmdoc.explain_file(fixture), lstmdoc.explain_file(fresh)
        assert committed.rows == written.rows == tuple(as_stored(lstmdoc.explain(model).rows))
        assert committed.model == written.model == model.name
        assert committed.total_params == model.count_params()

    def test_a_compiled_but_unbuilt_optimizer_has_no_line(self):
        """A file saved before training stores Adam's counters only: no optimizer line, as live."""
        fixture = Path(__file__).parents[1] / "data" / "tutorial.keras"
        assert keras_files.read(fixture).weights.size("optimizer") == 2  # type: ignore[union-attr]
        assert lstmdoc.explain_file(fixture).optimizer is None


class TestBadFiles:
    def test_a_missing_file(self, tmp_path):
        """A path that does not exist raises ValueError naming the path."""
        with pytest.raises(ValueError, match=r"^path '.*missing\.keras' does not exist$"):
            lstmdoc.explain_file(tmp_path / "missing.keras")

    def test_a_directory(self, tmp_path):
        """A directory raises ValueError."""
        with pytest.raises(ValueError, match=r"is a directory, but not one save_pretrained writes"):
            lstmdoc.explain_file(tmp_path)

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("model.h5", "is not an HDF5 file Keras writes"),
            ("model.json", "is not a model file lstmdoc reads"),
            ("model", "is not a model file lstmdoc reads"),
        ],
    )
    def test_files_of_no_known_format_are_refused(self, tmp_path, name, message):
        """A file whose content is no model format is refused, as what its name claims."""
        path = tmp_path / name
        path.write_text("{}")
        with pytest.raises(ValueError, match=message):
            lstmdoc.explain_file(path)

    def test_a_file_that_is_not_an_archive(self, tmp_path):
        """A .keras file that is not a zip archive raises ValueError."""
        path = tmp_path / "notes.keras"
        path.write_text("not a model")
        with pytest.raises(ValueError, match=r"is not a Keras model: it is not a \.keras \(zip\)"):
            lstmdoc.explain_file(path)

    def test_a_truncated_archive(self, saved, tmp_path):
        """A .keras archive cut short raises ValueError, not zipfile's exception."""
        data = saved.read_bytes()
        path = tmp_path / "cut.keras"
        path.write_bytes(data[: len(data) // 2] + data[-200:])
        with pytest.raises(ValueError, match=r"^path '.*cut\.keras' is"):
            lstmdoc.explain_file(path)

    def test_an_archive_without_a_config(self, saved, tmp_path):
        """A zip archive with no config.json is not a Keras model."""
        path = rewrite_archive(
            saved, tmp_path / "empty.keras", lambda n, d: None if n == "config.json" else d
        )
        with pytest.raises(ValueError, match=r"the archive has no config\.json"):
            lstmdoc.explain_file(path)

    def test_a_config_that_is_not_json(self, saved, tmp_path):
        """A config.json that is not JSON raises ValueError saying so."""
        path = rewrite_archive(
            saved,
            tmp_path / "garbled.keras",
            lambda n, d: b"{not json" if n == "config.json" else d,
        )
        with pytest.raises(ValueError, match=r"its config\.json is not JSON"):
            lstmdoc.explain_file(path)

    @pytest.mark.parametrize("config", [[1, 2], {"config": {}}, "model", 3])
    def test_a_config_that_is_not_a_model(self, saved, tmp_path, config):
        """JSON that is not a serialized model (no class_name) is refused."""
        path = rewrite_archive(
            saved,
            tmp_path / "other.keras",
            lambda n, d: json.dumps(config).encode() if n == "config.json" else d,
        )
        with pytest.raises(ValueError, match="is not a serialized model"):
            lstmdoc.explain_file(path)

    def test_a_config_nested_too_deeply(self, saved, tmp_path):
        """JSON nested beyond what Python's parser takes is refused, not a RecursionError."""
        deep = b'{"class_name": "Sequential", "config": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        path = rewrite_archive(
            saved, tmp_path / "deep.keras", lambda n, d: deep if n == "config.json" else d
        )
        with pytest.raises(ValueError, match="nested too deeply"):
            lstmdoc.explain_file(path)

    def test_layers_nested_too_deeply(self, saved, tmp_path):
        """Models nested in models beyond any real one are refused as malformed."""
        model = {"class_name": "Dense", "module": "keras.layers", "config": {"name": "d"}}
        for depth in range(80):
            model = {
                "class_name": "Sequential",
                "module": "keras.models",
                "config": {"name": f"m{depth}", "layers": [model]},
            }
        path = rewrite_archive(
            saved,
            tmp_path / "nested.keras",
            lambda n, d: json.dumps(model).encode() if n == "config.json" else d,
        )
        with pytest.raises(ValueError, match="nest more than 64 deep"):
            lstmdoc.explain_file(path)

    def test_a_config_too_large(self, saved, monkeypatch):
        """A config.json larger than any model's would need is refused before it is inflated."""
        monkeypatch.setattr(keras_files, "MAX_CONFIG_BYTES", 100)
        with pytest.raises(ValueError, match=r"more than lstmdoc reads \(100\)"):
            lstmdoc.explain_file(saved)

    @pytest.mark.parametrize(
        ("edit", "message"),
        [
            (lambda c: c["config"].update(layers="none"), "has no list of layers"),
            (lambda c: c["config"]["layers"].append(7), "is not a dictionary"),
        ],
    )
    def test_a_model_config_that_is_malformed(self, saved, tmp_path, edit, message):
        """A model whose layers are not a list of layer configs is refused."""
        path = with_config(saved, tmp_path / "bad.keras", edit)
        with pytest.raises(ValueError, match=message):
            lstmdoc.explain_file(path)


def test_shape_size_of_an_empty_dataspace():
    """HDF5's empty dataspace (shape None) holds no values; a scalar holds one."""
    assert keras_files.shape_size(None) == 0
    assert keras_files.shape_size(()) == 1
    assert keras_files.shape_size(np.zeros((2, 3)).shape) == 6


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The classifier saved as Keras 2's .h5, and its weights alone."""
    import warnings  # noqa: PLC0415

    folder = tmp_path_factory.mktemp("formats")
    model = classifier()
    with warnings.catch_warnings():
        # Keras calls .h5 legacy and says so, and its h5py writer warns about NumPy 2.
        warnings.simplefilter("ignore")
        model.save(folder / "model.h5")
        model.save_weights(folder / "model.weights.h5")
    return folder, model


class TestKerasFormats:
    """Every format Keras writes, explained with Keras' own count."""

    def test_keras_2_h5_model_is_derived_on_its_stored_shapes(self, written):
        """model.save("model.h5"): every layer derived, on the input its arrays show."""
        folder, model = written
        report = lstmdoc.explain_file(folder / "model.h5")
        assert report.total_params == model.count_params()
        assert [row.name for row in report.top_rows] == ["embedding", "bi", "bi_gru", "norm", "out"]
        assert report.agrees, str(report)
        assert report.non_trainable_params == 2 * 8

    def test_a_weights_file_lists_each_layer_with_its_arrays(self, written):
        """model.save_weights(...): no configuration, each layer's arrays, Keras' total."""
        folder, model = written
        report = lstmdoc.explain_file(folder / "model.weights.h5")
        assert report.total_params == report.derived_params == model.count_params()
        rows = {row.name: row for row in report.rows}
        assert rows["out"].layer == "Dense (from its arrays)"
        assert rows["out"].check == "ok"
        assert rows["embedding"].params == 500 * 16

    def test_a_weights_file_with_an_optimizer_leaves_it_out(self, tmp_path):
        """A trained model's weights file holds Adam's variables too: noted, not counted."""
        import warnings  # noqa: PLC0415

        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")])
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
        stored = sum(int(np.prod(v.shape)) for v in model.optimizer.variables)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras' h5py writer warns about NumPy 2
            model.save_weights(tmp_path / "trained.weights.h5")
        report = lstmdoc.explain_file(tmp_path / "trained.weights.h5")
        assert report.derived_params == report.total_params == model.count_params() == 8
        assert [row.name for row in report.top_rows] == ["dense"]
        assert f"the optimizer's variables, {stored:,} values" in report.text()

    def test_a_normalization_given_its_mean_needs_no_build(self, tmp_path):
        """ConvNeXt's Normalization(mean=..., variance=...) keeps constants: 0 weights, from .h5 too."""
        import warnings  # noqa: PLC0415

        model = keras.Sequential(
            [
                keras.Input((4, 4, 3)),
                keras.layers.Normalization(mean=[0.5] * 3, variance=[0.25] * 3, name="prestem"),
                keras.layers.Conv2D(2, 1),
            ]
        )
        assert model.layers[0].weights == []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # .h5 is legacy, Keras says
            model.save(tmp_path / "model.h5")
        report = lstmdoc.explain_file(tmp_path / "model.h5")
        assert report.derived_params == model.count_params() == 8
        assert report.all_derived, str(report)

    def test_the_kind_is_told_by_content_not_name(self, written, saved, tmp_path):
        """A .keras file named .bin, and an .h5 model named .keras, are read as what they are."""
        folder, model = written
        renamed = tmp_path / "model.bin"
        renamed.write_bytes(saved.read_bytes())
        assert lstmdoc.explain_file(renamed).total_params == model.count_params()
        misnamed = tmp_path / "h5.keras"
        misnamed.write_bytes((folder / "model.h5").read_bytes())
        assert lstmdoc.explain_file(misnamed).total_params == model.count_params()

    def test_the_weights_are_read_in_place(self, saved, monkeypatch):
        """The weights file is read where it lies in the archive, never streamed through zipfile."""

        def refuse(*_arguments, **_options):
            raise AssertionError("model.weights.h5 was opened through zipfile")

        original = zipfile.ZipFile.open
        monkeypatch.setattr(
            zipfile.ZipFile,
            "open",
            lambda self, name, *a, **k: (
                refuse()
                if str(getattr(name, "filename", name)).endswith(".h5")
                else original(self, name, *a, **k)
            ),
        )
        assert lstmdoc.explain_file(saved).agrees

    def test_a_compressed_weights_file_is_still_read(self, saved, tmp_path):
        """An archive re-zipped with compression: the weights are inflated once, within a bound."""
        path = tmp_path / "deflated.keras"
        with (
            zipfile.ZipFile(saved) as old,
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as new,
        ):
            for name in old.namelist():
                new.writestr(name, old.read(name))
        assert lstmdoc.explain_file(path).agrees

    def test_the_group_query_attention_alias(self, saved, tmp_path):
        """GroupQueryAttention, the name Keras also exports the class as, has the same rule."""
        from lstmdoc.keras import registry  # noqa: PLC0415

        assert registry.ALIASES["GroupQueryAttention"] == "GroupedQueryAttention"
        path = with_config(
            saved,
            tmp_path / "alias.keras",
            lambda c: layer_config(c, "out").update(class_name="GroupQueryAttention"),
        )
        row = next(row for row in lstmdoc.explain_file(path).rows if row.name == "out")
        assert "custom class" not in str(row.note)
