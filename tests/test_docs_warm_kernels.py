"""Tests of docs/_ext/warm_kernels.py: the build's kernels, forked from one that imported TensorFlow.

Each test starts real kernels with jupyter_client, as the build's executor does, and
asks them what a page would see.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("myst_nb")
from jupyter_client.manager import start_new_kernel

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))  # where conf.py finds it too
warm_kernels = importlib.import_module("warm_kernels")

# A page's code: a seeded Keras layer's output, and what the kernel's process sees.
PAGE = """
import os, sys
warm = "tensorflow" in sys.modules
import keras, numpy as np
keras.utils.set_random_seed(0)
layer = keras.layers.LSTM(3)
out = layer(np.ones((1, 4, 2), "float32")).numpy().tolist()
print(repr((warm, os.getcwd(), os.environ.get("PAGE_VARIABLE"), out)))
"""


@contextlib.contextmanager
def kernel(folder: Path) -> Iterator[tuple[Any, Any]]:
    """A "python3" kernel started in ``folder``, as the build starts one; shut down after."""
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(folder))
    try:
        yield manager, client
    finally:
        client.stop_channels()
        if manager.is_alive():
            manager.shutdown_kernel(now=True)
        manager.context.destroy(linger=0)


def printed(client: Any, code: str, timeout: float = 120) -> str:
    """Run ``code`` in the kernel; return what it printed."""
    texts: list[str] = []
    reply = client.execute_interactive(
        code,
        timeout=timeout,
        output_hook=lambda message: texts.append(message["content"].get("text", "")),
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(texts)


def run(code: str, folder: Path) -> str:
    """Start a kernel in ``folder``, run ``code``, return what it printed."""
    with kernel(folder) as (_manager, client):
        return printed(client, code)


@pytest.fixture(scope="module")
def server():
    """The build's server, started as conf.py starts it; stopped at the end."""
    saved = dict(os.environ)
    warm_kernels.start()
    yield Path(os.environ[warm_kernels.SOCKET_VARIABLE])
    warm_kernels.stop()
    os.environ.clear()
    os.environ.update(saved)


def test_a_warm_kernel_computes_what_a_plain_one_does(server, tmp_path, monkeypatch):
    """TensorFlow is loaded before the page's code; folder, environment and results are a fresh kernel's."""
    monkeypatch.setenv("PAGE_VARIABLE", "from the launcher")
    warm = eval(run(PAGE, tmp_path))
    monkeypatch.setenv(warm_kernels.SOCKET_VARIABLE, str(tmp_path / "no-server.sock"))
    plain = eval(run(PAGE, tmp_path))
    assert warm[0] is True
    assert plain[0] is False  # no server: the launcher became a plain kernel
    assert warm[1:] == plain[1:] == (str(tmp_path), "from the launcher", plain[3])


def test_a_launcher_gone_before_asking_leaves_the_server_serving(server, tmp_path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as gone:
        gone.connect(str(server))  # and closes without a request
    assert eval(run(PAGE, tmp_path))[0] is True  # still a warm kernel


def test_an_interrupt_reaches_the_forked_kernel(server, tmp_path):
    """A cell past its time limit is interrupted, as the executor does: SIGINT, passed on."""
    with kernel(tmp_path) as (manager, client):
        request = client.execute("import time; time.sleep(60)")
        # Interrupt once the cell runs: before, there would be nothing to stop.
        next_message(client.get_iopub_msg, request, "execute_input")
        time.sleep(0.5)
        started = time.monotonic()
        manager.interrupt_kernel()
        reply = next_message(client.get_shell_msg, request, "execute_reply")
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert time.monotonic() - started < 30


def next_message(receive: Any, request: str, kind: str) -> dict[str, Any]:
    """The next message of ``kind`` about ``request``, passing over any other.

    A late reply to one of start_new_kernel's kernel_info requests can come first.
    """
    while True:
        message = receive(timeout=30)
        if message["parent_header"].get("msg_id") == request and message["msg_type"] == kind:
            return message  # type: ignore[no-any-return]


def test_a_killed_launcher_takes_its_kernel_with_it(server, tmp_path):
    """jupyter_client kills a kernel that will not stop: the forked child then stops itself."""
    with kernel(tmp_path) as (manager, client):
        child = int(printed(client, "import os; print(os.getpid())"))
        launcher = manager.provisioner.process
        assert child != launcher.pid  # the kernel is the server's child, not the launcher
        launcher.kill()
        launcher.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    pytest.fail(f"the forked kernel {child} outlived its launcher")
