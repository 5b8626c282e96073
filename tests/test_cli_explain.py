"""Tests for ``lstmdoc explain FILE``, run as a reader runs it: in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import keras
import pytest

import lstmdoc
from tests._keras_models import save
from tests.keras.test_files import rewrite_archive
from tests.test_explaining import MARKER, lambda_model, transformer_classifier

QUIET = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def lstmdoc_command(*arguments: str, env=None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lstmdoc ARGUMENTS`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "lstmdoc", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env or QUIET,
    )


def classifier() -> keras.Model:
    """A stacked bidirectional text classifier with an Embedding and a BatchNormalization."""
    return keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            keras.layers.Embedding(500, 16),
            keras.layers.Bidirectional(keras.layers.LSTM(8, return_sequences=True)),
            keras.layers.Bidirectional(keras.layers.GRU(4)),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(3, activation="softmax"),
        ],
        name="classifier",
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A folder with a saved classifier and a saved model with a marker-writing Lambda."""
    folder = tmp_path_factory.mktemp("cli")
    model = classifier()
    save(model, folder / "classifier.keras")
    save(lambda_model(), folder / "lambda.keras")
    save(transformer_classifier(), folder / "transformer.keras")
    return folder, model


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit status 2, nothing on stdout, one line on stderr containing each fragment."""
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("lstmdoc")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


class TestExplain:
    def test_prints_every_layer_and_keras_total(self, saved):
        """The table has a line per layer with Keras' stored count, and the model's total."""
        folder, model = saved
        result = lstmdoc_command("explain", str(folder / "classifier.keras"), "--wide")
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        lines = result.stdout.splitlines()
        assert lines[0].startswith(f"Model 'classifier' (from {folder / 'classifier.keras'}): ")
        assert f": {model.count_params():,} parameters" in lines[0]
        for layer in model.layers:
            line = next(line for line in lines if line.split()[:1] == [layer.name])
            # ... lstmdoc, Keras, check, trainable, non-trainable
            assert line.split()[-4] == f"{layer.count_params():,}"
            assert line.split()[-3] == "ok"
        total = next(line for line in lines if line.strip().startswith("total"))
        assert total.split()[2] == f"{model.count_params():,}"  # total, lstmdoc, Keras
        assert lines[-1] == "lstmdoc derives every layer's count, and each agrees with Keras."

    def test_json_is_the_report_for_scripts(self, saved):
        """--json prints explain_file's dict, whose numbers are Keras' counts."""
        folder, model = saved
        result = lstmdoc_command("explain", str(folder / "classifier.keras"), "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data == lstmdoc.explain_file(folder / "classifier.keras").to_dict()
        assert data["total_params"] == model.count_params()
        assert [row["framework_params"] for row in data["rows"] if row["depth"] == 0] == [
            layer.count_params() for layer in model.layers
        ]

    def test_custom_classes_are_listed_with_a_note(self, saved):
        """A file with custom classes: they are named with their stored counts, and a note."""
        folder, _ = saved
        result = lstmdoc_command("explain", str(folder / "transformer.keras"))
        assert result.returncode == 0, result.stderr
        assert "TransformerBlock" in result.stdout
        assert "whose code lstmdoc never runs" in " ".join(result.stdout.split())


class TestNoFrameworkImported:
    def test_explain_imports_neither_tensorflow_nor_keras(self, saved):
        """lstmdoc explain FILE, run as the CLI runs, leaves TensorFlow and Keras unimported."""
        folder, model = saved
        code = (
            "import sys; from lstmdoc.cli import main; "
            f"status = main(['explain', {str(folder / 'classifier.keras')!r}, '--json']); "
            "print(status, sorted({m.split('.')[0] for m in sys.modules}), file=sys.stderr)"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=QUIET
        )
        status, modules = result.stderr.strip().split(" ", 1)
        assert status == "0"
        assert json.loads(result.stdout)["total_params"] == model.count_params()
        assert "h5py" in modules  # the check sees real imports
        assert "tensorflow" not in modules
        assert "keras" not in modules

    def test_a_missing_file_is_refused_without_tensorflow(self, tmp_path):
        """A refusal, too, needs neither TensorFlow nor Keras."""
        code = (
            "import sys; from lstmdoc.cli import main; "
            f"status = main(['explain', {str(tmp_path / 'missing.keras')!r}]); "
            "print(status, sorted({m.split('.')[0] for m in sys.modules}))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=QUIET
        )
        status, modules = result.stdout.split(" ", 1)
        assert status == "2"
        assert "tensorflow" not in modules
        assert "keras" not in modules


class TestCodeInFiles:
    def test_a_lambda_model_is_explained_and_its_code_does_not_run(self, saved, tmp_path):
        """A Lambda layer's file is explained, and the marker its code writes never appears."""
        folder, _ = saved
        marker = tmp_path / "marker"
        result = lstmdoc_command(
            "explain", str(folder / "lambda.keras"), env={**QUIET, MARKER: str(marker)}
        )
        assert result.returncode == 0, result.stderr
        assert "Dense" in result.stdout
        assert not marker.exists()

    def test_control_the_same_file_runs_code_when_loaded_unsafely(self, saved, tmp_path):
        """Control: the same file, loaded with safe_mode=False, writes the marker."""
        folder, _ = saved
        marker = tmp_path / "marker"
        code = (
            "import warnings, keras; warnings.simplefilter('ignore'); "
            f"keras.saving.load_model({str(folder / 'lambda.keras')!r}, safe_mode=False)"
        )
        subprocess.run(
            [sys.executable, "-c", code],
            env={**QUIET, MARKER: str(marker)},
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert marker.read_text() == "ran"


class TestBadFiles:
    def test_missing_file(self, tmp_path):
        """A file that does not exist: one line, status 2."""
        result = lstmdoc_command("explain", str(tmp_path / "missing.keras"))
        assert_one_line_error(result, "missing.keras' does not exist")

    def test_directory(self, tmp_path):
        """A directory: one line, status 2."""
        assert_one_line_error(lstmdoc_command("explain", str(tmp_path)), "is a directory")

    def test_not_a_keras_file(self, tmp_path):
        """A file of another kind: one line naming the .keras format."""
        path = tmp_path / "model.h5"
        path.write_bytes(b"\x89HDF\r\n")
        assert_one_line_error(
            lstmdoc_command("explain", str(path)), "is not an HDF5 file Keras writes"
        )

    def test_not_an_archive(self, tmp_path):
        """A .keras file that is not an archive: one line, status 2."""
        path = tmp_path / "notes.keras"
        path.write_text("hello")
        assert_one_line_error(lstmdoc_command("explain", str(path)), "is not a Keras model")

    def test_truncated_archive(self, saved, tmp_path):
        """An archive cut short: one line, status 2, no traceback."""
        folder, _ = saved
        data = (folder / "classifier.keras").read_bytes()
        path = tmp_path / "cut.keras"
        path.write_bytes(data[: len(data) // 2] + data[-200:])
        assert_one_line_error(lstmdoc_command("explain", str(path)), "cut.keras")

    def test_corrupt_weights_are_noted_not_fatal(self, saved, tmp_path):
        """Weights h5py cannot read: the config is still explained, with a note, status 0."""
        folder, _ = saved
        path = tmp_path / "weights.keras"
        rewrite_archive(
            folder / "classifier.keras",
            path,
            lambda name, data: b"garbage" if name.endswith(".h5") else data,
        )
        result = lstmdoc_command("explain", str(path), "--wide")
        assert result.returncode == 0, result.stderr
        assert "could not be read" in result.stdout
        assert "not checked" in result.stdout

    def test_config_that_is_not_json(self, saved, tmp_path):
        """A config.json that is not JSON: one line, status 2."""
        folder, _ = saved
        path = tmp_path / "garbled.keras"
        with zipfile.ZipFile(folder / "classifier.keras") as archive:
            assert "config.json" in archive.namelist()
        rewrite_archive(
            folder / "classifier.keras",
            path,
            lambda name, data: b"[" if name == "config.json" else data,
        )
        assert_one_line_error(lstmdoc_command("explain", str(path)), "config.json is not JSON")

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (["explain"], "required: FILE"),
            (["explain", "a.keras", "--yaml"], "unrecognized arguments: --yaml"),
        ],
    )
    def test_bad_arguments(self, arguments, message):
        """A missing FILE or an unknown option: argparse's one line, status 2."""
        assert_one_line_error(lstmdoc_command(*arguments), message)


class TestPyTorchFiles:
    def test_without_pytorch_the_command_says_how_to_install_it(self, tmp_path):
        """lstmdoc explain model.pt without PyTorch: one line naming lstmdoc[torch], status 2."""
        path = tmp_path / "model.pt"
        path.write_bytes(b"")
        # sys.modules["torch"] = None makes `import torch` fail, whatever is installed.
        code = (
            "import sys; sys.modules['torch'] = None\n"
            f"from lstmdoc.cli import main; sys.exit(main(['explain', {str(path)!r}]))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=QUIET
        )
        assert_one_line_error(result, "needs PyTorch", 'pip install "lstmdoc[torch]"')


class TestMultAdds:
    def test_columns_show_the_mult_adds_per_time_step_where_the_length_is_open(self, saved):
        """--columns mult_adds: each layer's figure, by hand; per step for a (None,) input."""
        folder, model = saved
        result = lstmdoc_command(
            "explain", str(folder / "classifier.keras"), "--wide",
            "--columns", "params,mult_adds,mult_adds_formula",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        lines = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line}
        embedding, lstm, gru, norm, dense = (lines[layer.name] for layer in model.layers)
        # Each step, both directions: the input's 16 and the state, by the gate blocks.
        assert lstm[3] == f"{2 * 4 * 8 * (16 + 8):,}"
        assert gru[3] == f"{2 * 3 * 4 * (16 + 4):,}"
        assert embedding[3] == norm[3] == "0"
        assert dense[3] == f"{3 * 8}"  # once a sample, on the last state
        text = " ".join(result.stdout.split())
        assert f"the figure is for one step of it: {lstm[0]} (time step)" in text
        assert "The total is not given: the layers' figures are for different things." in text
        assert "FlopCounterMode counts 2 FLOPs for each multiply-add" in text

    def test_mult_adds_are_no_default_column(self, saved):
        """Without --columns the table is as before: no mult-adds column, no sentence on them."""
        folder, _ = saved
        result = lstmdoc_command("explain", str(folder / "classifier.keras"), "--wide")
        assert result.returncode == 0, result.stderr
        assert "mult-adds" not in result.stdout.lower()

    def test_json_always_has_them(self, tmp_path):
        """--json gives the model's mult-adds and each row's, for a fixed length."""
        model = keras.Sequential(
            [keras.Input(shape=(20, 1)), keras.layers.LSTM(20), keras.layers.Dense(3)]
        )
        save(model, tmp_path / "lstm.keras")
        result = lstmdoc_command("explain", str(tmp_path / "lstm.keras"), "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        lstm, dense = data["rows"]
        assert lstm["mult_adds"] == 20 * 4 * 20 * (1 + 20)  # 33,600: the LSTM
        assert lstm["mult_adds_formula"] == "20 × 4 × 20 × (1 + 20)"
        assert dense["mult_adds"] == 3 * 20
        assert data["mult_adds"] == 33_600 + 60
        assert data["mult_adds_per"] is None

    def test_an_unknown_column_is_one_line(self, saved):
        """A misspelt column is refused in one line, naming the columns there are."""
        folder, _ = saved
        result = lstmdoc_command(
            "explain", str(folder / "classifier.keras"), "--columns", "multadds"
        )
        assert_one_line_error(result, "multadds", "mult_adds")
