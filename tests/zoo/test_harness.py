"""Tests that the zoo's runner reads a file as ``lstmdoc explain FILE`` does.

The runner reads each saved file once, with ``lstmdoc.explain_file``, for both the
JSON and the text, instead of running the command twice; these tests hold that
shortcut to the command itself. The checks are tested by the zoo's known failures:
each is a strict xfail, so a check that stopped seeing its failure would fail the run.
"""

from __future__ import annotations

import json

import pytest

from lstmdoc import cli
from tests.zoo import _harness, _keras_zoo


@pytest.fixture(scope="module")
def tutorial():
    """The site's LSTM model, built from its configuration."""
    build, _ = _keras_zoo.SMALL["tutorial_lstm"]
    return build()


class TestReadingFiles:
    def test_a_report_is_what_the_command_prints(self, tutorial, tmp_path, capsys):
        """The runner's report of a .keras file is the JSON `lstmdoc explain --json` prints."""
        path = _harness.save(tutorial, _keras_zoo.KERAS.formats["keras"], tmp_path)
        assert cli.main(["explain", str(path), "--json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed == json.loads(_harness.explain_like_the_command_line(path).to_json())

    def test_a_refusal_is_the_line_the_command_prints(self, tutorial, tmp_path, capsys):
        """Where the command refuses a file with one line and status 2, the runner does too."""
        path = _harness.save(tutorial, _keras_zoo.KERAS.formats["keras"], tmp_path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # a truncated download
        assert cli.main(["explain", str(path)]) == cli.USAGE_ERROR
        line = capsys.readouterr().err.strip()
        with pytest.raises(_harness.Refused) as refusal:
            _harness.explain_like_the_command_line(path)
        assert line == f"lstmdoc explain: error: {refusal.value}"
