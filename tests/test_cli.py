"""Tests for lstmdoc.cli, run as a reader runs it: in a subprocess."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lstmdoc

README = Path(__file__).parent.parent / "README.md"


def lstmdoc_command(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lstmdoc ARGUMENTS`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "lstmdoc", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class TestCount:
    def test_lstm_prints_each_weight_then_the_classic_derivation(self):
        """The worked example prints kernel, recurrent_kernel and bias, then 4 × 20 × (...)."""
        result = lstmdoc_command("count", "lstm", "--units", "20", "--features", "1")
        assert result.returncode == 0
        assert result.stderr == ""
        lines = result.stdout.splitlines()
        assert re.search(r"^\s+kernel\s+\(1, 80\)\s+80\s", result.stdout, re.MULTILINE)
        assert re.search(
            r"^\s+recurrent_kernel\s+\(20, 80\)\s+1,600\s", result.stdout, re.MULTILINE
        )
        assert re.search(r"^\s+bias\s+\(80,\)\s+80\s", result.stdout, re.MULTILINE)
        assert re.search(r"^\s+total\s+1,760$", result.stdout, re.MULTILINE)
        assert lines[-3] == "4 × 20 × (1 + 20 + 1) = 1,760"
        # One step by default: the input's 1 and the state's 20, by 4 gate blocks of 20.
        assert lines[-2] == ("Mult-adds for 1 time step: 4 × 20 × (1 + 20) = 1,680 (3,360 FLOPs)")
        # x, h and c before the step, the four gates and tanh(c): 1 + 7 × 20.
        assert (
            lines[-1] == "Kept for the backward pass (an estimate): 1 × (1 + 7 × 20) = 141 values"
        )

    @pytest.mark.parametrize(
        ("arguments", "expected"),
        [
            (["lstm"], lstmdoc.lstm_param_breakdown(7, 3)),
            (["lstm", "--no-bias"], lstmdoc.lstm_param_breakdown(7, 3, use_bias=False)),
            (["gru"], lstmdoc.gru_param_breakdown(7, 3)),
            (["gru", "--no-reset-after"], lstmdoc.gru_param_breakdown(7, 3, reset_after=False)),
            (["gru", "--no-bias"], lstmdoc.gru_param_breakdown(7, 3, use_bias=False)),
            (["simple-rnn"], lstmdoc.simple_rnn_param_breakdown(7, 3)),
            (["dense"], lstmdoc.dense_param_breakdown(7, 3)),
            (["dense", "--no-bias"], lstmdoc.dense_param_breakdown(7, 3, use_bias=False)),
        ],
    )
    def test_json_equals_the_library_breakdown(self, arguments, expected):
        """--json prints the same breakdown the Python function returns, as JSON."""
        layer, *flags = arguments
        result = lstmdoc_command(
            "count", layer, "--units", "7", "--features", "3", *flags, "--json"
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == expected.to_dict()

    def test_text_output_is_the_breakdown_text(self):
        """The text output is exactly str() of the breakdown, for a GRU without reset_after."""
        result = lstmdoc_command(
            "count", "gru", "--units", "20", "--features", "1", "--no-reset-after"
        )
        expected = lstmdoc.gru_param_breakdown(20, 1, reset_after=False)
        assert result.stdout == f"{expected}\n{expected.cost_line}\n"
        assert result.stdout.splitlines()[-2] == "3 × 20 × (1 + 20 + 1) = 1,320"
        assert result.stdout.splitlines()[-1].endswith("3 × 20 × (1 + 20) = 1,260 (2,520 FLOPs)")

    def test_console_script_is_installed(self):
        """The `lstmdoc` command on PATH runs the same CLI."""
        script = Path(sys.executable).parent / "lstmdoc"
        result = subprocess.run(
            [str(script), "count", "dense", "--units", "20", "--features", "20"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0
        assert "20 × (20 + 1) = 420" in result.stdout.splitlines()

    def test_steps_add_the_cost_and_what_training_keeps(self):
        """By hand: 20 × 4 × 20 × (1 + 20) = 33,600 mult-adds; 20 × (1 + 7 × 20) = 2,820 values."""
        arguments = ("count", "lstm", "--units", "20", "--features", "1", "--steps", "20")
        result = lstmdoc_command(*arguments)
        assert result.returncode == 0
        lines = result.stdout.splitlines()
        assert (
            "Mult-adds for 20 time steps: 20 × 4 × 20 × (1 + 20) = 33,600 (67,200 FLOPs)" in lines
        )
        assert "Kept for the backward pass (an estimate): 20 × (1 + 7 × 20) = 2,820 values" in lines
        data = json.loads(lstmdoc_command(*arguments, "--json").stdout)
        assert (data["mult_adds"], data["saved_values"]) == (33600, 2820)

    def test_version(self):
        """--version prints the installed version."""
        result = lstmdoc_command("--version")
        assert result.stdout.strip() == f"lstmdoc {lstmdoc.__version__}"

    def test_readme_example_is_what_the_command_prints(self):
        """The console example in the README is the command's real output."""
        block = re.search(r"```console\n\$ lstmdoc (.*?)\n(.*?)```", README.read_text(), re.DOTALL)
        assert block is not None
        result = lstmdoc_command(*block.group(1).split())
        assert result.stdout == block.group(2)


class TestCountingNeedsNoTensorFlow:
    @pytest.mark.parametrize(
        "code",
        [
            "import lstmdoc",
            "from lstmdoc.cli import main; main(['count', 'lstm', '--units', '20', '--features', '1'])",
        ],
    )
    def test_tensorflow_and_keras_are_not_imported(self, code):
        """`import lstmdoc` and the count command leave TensorFlow, Keras and even NumPy unimported."""
        check = "; import sys; print(sorted({m.split('.')[0] for m in sys.modules}))"
        result = subprocess.run(
            [sys.executable, "-c", code + check],
            capture_output=True,
            text=True,
            check=True,
        )
        modules = result.stdout.splitlines()[-1]
        assert "lstmdoc" in modules  # the check sees real imports
        assert "numpy" not in modules  # each name is imported from its module when used
        assert "tensorflow" not in modules
        assert "keras" not in modules


class TestBadArguments:
    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (
                ["count", "lstm", "--units", "0", "--features", "1"],
                "--units: units must be a positive integer",
            ),
            (
                ["count", "lstm", "--units", "-3", "--features", "1"],
                "--units: units must be a positive integer",
            ),
            (["count", "lstm", "--units", "2.5", "--features", "1"], "got '2.5'"),
            (
                ["count", "gru", "--units", "20", "--features", "abc"],
                "--features: features must be a positive integer",
            ),
            (
                ["count", "dense", "--units", "20", "--features", ""],
                "--features: features must be a positive integer",
            ),
            (["count", "lstm", "--units", "20"], "required: --features"),
            (["count", "transformer", "--units", "2", "--features", "1"], "invalid choice"),
            (
                ["count", "lstm", "--units", "2", "--features", "1", "--no-reset-after"],
                "unrecognized",
            ),
            (["count"], "required: LAYER"),
            ([], "required: COMMAND"),
            (["explode"], "invalid choice"),
        ],
    )
    def test_prints_one_line_and_exits_with_status_2(self, arguments, message):
        """A bad argument prints one line on stderr, no traceback, and exits with status 2."""
        result = lstmdoc_command(*arguments)
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr


class TestEveryFamily:
    @pytest.mark.parametrize("family", list(lstmdoc.FAMILIES))
    def test_each_family_is_a_command_with_the_frameworks_argument_names(self, family):
        """Each family of lstmdoc.counting is a count command, its options the family's arguments."""
        result = lstmdoc_command("count", family, "--help")
        assert result.returncode == 0
        for argument in lstmdoc.FAMILIES[family].arguments:
            option = argument.switch or "--" + argument.name.replace("_", "-")
            assert option in result.stdout, (family, option)

    def test_a_pytorch_lstm_is_counted_in_pytorchs_words(self):
        """torch-lstm takes input_size, hidden_size ...; its JSON lists PyTorch's documented tensors."""
        from tests._torch_shapes import documented_shapes  # noqa: PLC0415

        result = lstmdoc_command(
            "count", "torch-lstm", "--input-size", "3", "--hidden-size", "8",
            "--num-layers", "2", "--bidirectional", "--proj-size", "4", "--json",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        shapes = documented_shapes("lstm", 3, 8, num_layers=2, bidirectional=True, proj_size=4)
        assert {w["name"]: tuple(w["shape"]) for w in data["weights"]} == shapes
        assert data["total"] == sum(math.prod(shape) for shape in shapes.values())

    def test_a_grouped_convolution_is_keras_count(self):
        """conv2d with groups prints the count Keras gives the same Conv2D."""
        import keras  # noqa: PLC0415  (only this test starts TensorFlow)

        layer = keras.layers.Conv2D(64, 3, groups=4)
        layer.build((None, 8, 8, 32))
        result = lstmdoc_command(
            "count", "conv2d", "--filters", "64", "--kernel-size", "3",
            "--channels", "32", "--groups", "4", "--json",
        )  # fmt: skip
        assert json.loads(result.stdout)["total"] == layer.count_params()

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (
                ["conv2d", "--filters", "4", "--kernel-size", "3", "--channels", "3", "--groups", "2"],
                r"error: groups \(2\) must divide the channels \(3\)",
            ),
            (
                ["torch-lstm", "--input-size", "1", "--hidden-size", "4", "--proj-size", "4"],
                "error: proj_size must be 0 .* hidden_size - 1 = 3, got 4",
            ),
            (["conv2d", "--filters", "4", "--kernel-size", "3", "3", "3", "--channels", "3"],
             "error: kernel_size must have 2 sizes, got 3"),
            (["torch-lstm", "--input-size", "1", "--hidden-size", "-4"], "hidden_size must be a positive"),
        ],
    )  # fmt: skip
    def test_arguments_that_do_not_fit_are_one_line_and_status_2(self, arguments, message):
        """Arguments that do not fit together get one line on stderr, and exit status 2."""
        result = lstmdoc_command("count", *arguments)
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1
        assert re.search(message, result.stderr), result.stderr
