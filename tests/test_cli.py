"""Tests for lstmdoc.cli, run as a reader runs it: in a subprocess."""

from __future__ import annotations

import json
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
        assert lines[-1] == "4 × 20 × (1 + 20 + 1) = 1,760"

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
        assert result.stdout == f"{expected}\n"
        assert result.stdout.splitlines()[-1] == "3 × 20 × (1 + 20 + 1) = 1,320"

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
        assert result.stdout.splitlines()[-1] == "20 × (20 + 1) = 420"

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
            (["count", "lstm", "--units", "0", "--features", "1"], "--units: expected a positive"),
            (["count", "lstm", "--units", "-3", "--features", "1"], "--units: expected a positive"),
            (["count", "lstm", "--units", "2.5", "--features", "1"], "got '2.5'"),
            (
                ["count", "gru", "--units", "20", "--features", "abc"],
                "--features: expected a positive",
            ),
            (
                ["count", "dense", "--units", "20", "--features", ""],
                "--features: expected a positive",
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
