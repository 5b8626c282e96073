"""Tests of docs/_ext/kernel_clients.py: the build's kernel clients, less jupyter_client's waits.

Each test runs real kernels, through jupyter-cache's own execution function as MyST-NB
calls it, and compares with what jupyter_client's own classes give.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("myst_nb")
import nbformat
from jupyter_cache.executors import utils
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))  # where conf.py finds it too
kernel_clients = importlib.import_module("kernel_clients")

# A page whose first cell prints at once, and whose outputs come in every kind: an
# output lost while IOPub connects would be the first one.
CELLS = [
    "print('first output')",
    "import sys\nprint('to stdout'); print('to stderr', file=sys.stderr)",
    "from IPython.display import display, Markdown\ndisplay(Markdown('**bold**'))\n6 * 7",
]


def notebook() -> Any:
    """A new notebook of CELLS, for the kernel "python3"."""
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in CELLS],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )


def outputs(executed: Any) -> list[list[dict[str, Any]]]:
    """Each cell's outputs, less what differs between any two runs (execution counts)."""
    return [
        [
            {key: value for key, value in output.items() if key != "execution_count"}
            for output in cell.outputs
        ]
        for cell in executed.cells
    ]


@pytest.fixture
def build_executions(monkeypatch):
    """jupyter-cache's executions as the build makes them (conf.py calls this)."""
    monkeypatch.setattr(utils, "executenb", utils.executenb)  # restored after the test
    kernel_clients.use_in_executions()


def test_the_build_s_executions_use_the_build_s_manager_and_client(build_executions):
    """The wrapped execution passes the manager class; its clients are the build's.

    AsyncKernelManager's own client_factory is a class attribute, which a subclass must
    replace too: setting client_class alone leaves jupyter_client's client in place.
    """
    client = NotebookClient(notebook(), **utils.executenb.keywords)
    manager = client.create_kernel_manager()
    assert isinstance(manager, kernel_clients.BuildKernelManager)
    assert type(manager.client()) is kernel_clients.BuildKernelClient
    assert type(AsyncKernelManager().client()) is not kernel_clients.BuildKernelClient


def test_wrapping_twice_wraps_once(build_executions):
    wrapped = utils.executenb
    kernel_clients.use_in_executions()
    assert utils.executenb is wrapped


def test_every_output_arrives_as_with_jupyter_client_s_own_classes(build_executions, tmp_path):
    """Ten executions with the build's client give exactly the outputs of jupyter_client's."""
    expected = notebook()
    NotebookClient(expected, timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert outputs(expected)[0] == [
        {"output_type": "stream", "name": "stdout", "text": "first output\n"}
    ]
    for _ in range(10):
        result = utils.single_nb_execution(
            notebook(), cwd=str(tmp_path), timeout=60, allow_errors=False
        )
        assert result.err is None, result.exc_string
        assert json.dumps(outputs(result.nb)) == json.dumps(outputs(expected))


def test_a_kernel_that_dies_before_replying_is_an_error(tmp_path, monkeypatch):
    """As with jupyter_client's wait_for_ready: a kernel that exits at once is reported."""
    spec = tmp_path / "kernels" / "dies"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-c", "raise SystemExit(3)", "{connection_file}"],
                "display_name": "dies",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="died before replying"):
        asyncio.run(ready_kernel("dies", tmp_path))


def test_a_stopped_kernel_s_process_has_ended(tmp_path):
    """Shutting down still waits for the kernel's process to end; it only checks more often."""

    async def start_and_stop() -> Any:
        manager, client = await ready_kernel("python3", tmp_path)
        process = manager.provisioner.process
        client.stop_channels()
        await manager.shutdown_kernel()
        return process

    assert asyncio.run(start_and_stop()).poll() is not None


async def ready_kernel(name: str, folder: Path) -> tuple[Any, Any]:
    """The build's manager and client of a kernel ``name`` started in ``folder``, once it is
    ready; if it never is, its channels and files are cleaned up and the error raised."""
    manager = kernel_clients.BuildKernelManager(kernel_name=name)
    await manager.start_kernel(cwd=str(folder))
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
    except BaseException:
        client.stop_channels()
        await manager.cleanup_resources()
        raise
    return manager, client
