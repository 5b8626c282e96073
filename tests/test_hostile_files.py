"""``lstmdoc explain`` on hostile files: one line or a report, in bounded time and memory.

Each file is built by :mod:`tests.hostile_files` and explained by the command line in
a subprocess, as a reader would run it, with a time limit; the subprocess reports its
own peak memory. Nothing from a file reaches the terminal raw: no escape character,
carriage return or right-to-left override in what the command prints about it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lstmdoc
from tests import hostile_files

QUIET = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
MEMORY_LIMIT_MB = 256
RAW = ("\x1b", "\x07", "\r", "\u202e")

# Each file: the exit status, and a fragment of the one line (status 2) or of the report.
EXPECTED = {
    "fifo_keras": (2, "is a FIFO"),
    "fifo_pt": (2, "is a FIFO"),
    "dev_zero": (2, "is a device"),
    "zip_bomb": (2, "more than lstmdoc reads"),
    "lying_entry": (2, "corrupt archive"),
    "weights_bomb": (0, "inflates to more than"),
    "escape_path": (2, "is not a Keras model"),
    "hdf5_links": (0, "20 parameters"),
    "safetensors_lies": (2, "more than the file holds"),
    "safetensors_overlap": (2, "overlaps another"),
    "safetensors_huge_header": (2, "more than lstmdoc reads"),
    "savedmodel": (2, "is a TensorFlow SavedModel"),
    "torch_compressed": (2, ""),
    "legacy_pickle_claims": (2, ""),
}

# The peak is read from /proc: getrusage's ru_maxrss would keep the test process's own
# peak, which a child inherits across fork and exec.
_CHILD = """
import sys
from lstmdoc.cli import main
status = main(["explain", sys.argv[1]])
sys.stdout.flush()
with open("/proc/self/status") as status_file:
    peak = next(int(line.split()[1]) for line in status_file if line.startswith("VmHWM"))
print(f"PEAK {peak // 1024}", file=sys.stderr)
sys.exit(status)
"""


def explain_in_a_subprocess(path: Path) -> tuple[subprocess.CompletedProcess[str], int, float]:
    """Run ``lstmdoc explain PATH``; return the result, its peak memory in MB, and seconds."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=QUIET,
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    *lines, peak = result.stderr.splitlines()
    result.stderr = "".join(f"{line}\n" for line in lines)
    return result, int(peak.split()[1]), elapsed


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_hostile_file_is_answered_in_bounded_time_and_memory(name, tmp_path):
    """Each hostile file: its status and line, in under 30 s and 256 MB, nothing raw."""
    path = hostile_files.BUILDERS[name](tmp_path)
    result, peak, seconds = explain_in_a_subprocess(path)
    status, fragment = EXPECTED[name]
    assert result.returncode == status, result
    assert "Traceback" not in result.stderr
    if status == 2:
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith("lstmdoc explain: error: ")
        assert fragment in result.stderr
    else:
        assert fragment in " ".join(result.stdout.split())
    for raw in RAW:
        assert raw not in result.stderr
    assert seconds < 30
    assert peak < MEMORY_LIMIT_MB, f"{name} peaked at {peak} MB"


def test_a_60_mb_name_is_read_within_bounds(tmp_path):
    """A 60 MB layer name in a small file is read and kept whole, in bounded memory."""
    report = lstmdoc.explain_file(hostile_files.long_name(tmp_path))
    assert len(report.rows[0].name) == 60 * 2**20
    assert report.derived_params == 20


def test_time_is_linear_in_the_number_of_layers(tmp_path):
    """Reading and walking 20,000 layers takes at most about 10x the time of 2,000."""

    def seconds(layers: int) -> float:
        path = hostile_files.many_layers(tmp_path, layers)
        best = float("inf")
        for _ in range(3):
            start = time.process_time()  # this process's own time: others' load aside
            report = lstmdoc.explain_file(path)
            best = min(best, time.process_time() - start)
        assert report.derived_params == 20 * layers
        return best

    # About 10x; the margin absorbs a shared machine's noise (11x measured, best of 3).
    assert seconds(20_000) < 15 * seconds(2_000)


def test_escapes_in_a_refused_file_name_are_shown_escaped(tmp_path):
    """The error quotes the file's name with its escapes written out."""
    path = hostile_files.escape_path(tmp_path)
    with pytest.raises(ValueError, match=r"'.*\\x1b\]0;owned\\x07.*' is not") as raised:
        lstmdoc.explain_file(path)
    assert not any(raw in str(raised.value) for raw in RAW)
