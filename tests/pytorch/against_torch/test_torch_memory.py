"""The bytes lstmdoc gives a PyTorch module's weights and optimizer, against PyTorch's tensors.

The truth is PyTorch: each parameter once (``module.parameters()``), and the state an
optimizer holds after a real step (``optimizer.state``), each tensor's
``numel() * element_size()``.
"""

from __future__ import annotations

from collections import Counter

import pytest
import torch

import lstmdoc


class Net(torch.nn.Module):  # type: ignore[misc]
    """The tutorial's network in PyTorch, with a convolution, a norm and a tied embedding."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(10, 4)
        self.conv = torch.nn.Conv1d(4, 3, 2)
        self.norm = torch.nn.LayerNorm(3)
        self.lstm = torch.nn.LSTM(3, 20, batch_first=True)
        self.dense = torch.nn.Linear(20, 20)
        self.head = torch.nn.Linear(4, 10, bias=False)
        self.head.weight = self.embedding.weight  # tied: one tensor, counted once

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.conv(self.embedding(tokens).transpose(1, 2)).transpose(1, 2)
        x, _ = self.lstm(self.norm(x))
        return self.dense(x[:, -1]).sum() + self.head(self.embedding(tokens)).sum()


def torch_by_dtype(module: torch.nn.Module) -> dict[str, tuple[int, int]]:
    values: Counter[str] = Counter()
    size: Counter[str] = Counter()
    for parameter in module.parameters():
        dtype = str(parameter.dtype).removeprefix("torch.")
        values[dtype] += parameter.numel()
        size[dtype] += parameter.numel() * parameter.element_size()
    return {dtype: (values[dtype], size[dtype]) for dtype in sorted(values)}


def state_bytes(optimizer: torch.optim.Optimizer) -> int:
    return sum(
        value.numel() * value.element_size()
        for state in optimizer.state.values()
        for value in state.values()
        if torch.is_tensor(value)
    )


class TestWeightBytes:
    def test_the_tutorial_lstm_is_1760_float32_values(self):
        memory = lstmdoc.explain(torch.nn.LSTM(1, 20)).memory
        assert memory is not None
        # PyTorch's LSTM has two biases: 4 × 20 × (1 + 20 + 2) = 1,840 values, 4 bytes each.
        assert dict(memory.by_dtype) == {"float32": (1840, 7360)}

    @pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16, torch.float64])
    def test_each_dtype_as_pytorch_holds_it(self, dtype):
        model = Net().to(dtype)
        memory = lstmdoc.explain(model).memory
        assert memory is not None
        assert dict(memory.by_dtype) == torch_by_dtype(model)

    def test_a_frozen_module_is_non_trainable_bytes(self):
        model = Net()
        model.lstm.requires_grad_(False)
        memory = lstmdoc.explain(model).memory
        assert memory is not None
        frozen = sum(
            p.numel() * p.element_size() for p in model.parameters() if not p.requires_grad
        )
        assert memory.non_trainable_bytes == frozen == 4 * 4 * 20 * (3 + 20 + 2)


class TestFileBytes:
    """A file's dtypes are read with its shapes: a torch.save file's and a safetensors header's."""

    @pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
    def test_a_saved_state_dict(self, tmp_path, dtype):
        model = Net().to(dtype)
        path = tmp_path / "net.pt"
        torch.save(model.state_dict(), path)
        memory = lstmdoc.explain_file(path).memory
        assert memory is not None
        assert dict(memory.by_dtype) == torch_by_dtype(model)

    @pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
    def test_a_safetensors_file(self, tmp_path, dtype):
        from safetensors.torch import save_model  # noqa: PLC0415  (the torch session has it)

        model = Net().to(dtype)
        path = tmp_path / "model.safetensors"
        save_model(model, str(path))  # the tied weight stored once
        memory = lstmdoc.explain_file(path).memory
        assert memory is not None
        assert dict(memory.by_dtype) == torch_by_dtype(model)


OPTIMIZERS = {
    "Adam": torch.optim.Adam,
    "Adam amsgrad": lambda p: torch.optim.Adam(p, amsgrad=True),
    "AdamW": torch.optim.AdamW,
    "NAdam": torch.optim.NAdam,
    "Adamax": torch.optim.Adamax,
    "SGD": lambda p: torch.optim.SGD(p, lr=0.1),
    "SGD momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "RMSprop": torch.optim.RMSprop,
    "RMSprop centered momentum": lambda p: torch.optim.RMSprop(p, momentum=0.5, centered=True),
    "Adagrad": torch.optim.Adagrad,
}


class TestOptimizerState:
    @pytest.mark.parametrize("name", sorted(OPTIMIZERS))
    def test_the_state_after_a_step_as_pytorch_holds_it(self, name):
        model = Net()
        optimizer = OPTIMIZERS[name](model.parameters())
        model(torch.randint(0, 10, (2, 6))).backward()
        optimizer.step()
        report = lstmdoc.explain(model, optimizer=optimizer)
        assert report.optimizer is not None
        assert report.optimizer.check == "ok"
        assert report.memory is not None
        assert report.memory.optimizer_bytes == state_bytes(optimizer)

    def test_adams_state_by_hand(self):
        """Adam: two arrays like each weight, and a float32 step for each of the 4 tensors."""
        model = torch.nn.LSTM(1, 20)
        optimizer = torch.optim.Adam(model.parameters())
        report = lstmdoc.explain(model, optimizer=optimizer)
        assert report.optimizer is not None
        assert report.optimizer.params == 2 * 1840 + 4
        assert report.optimizer.check == "not checked"  # no step yet: no state
        assert report.memory is not None
        assert report.memory.optimizer_bytes == 2 * 1840 * 4 + 4 * 4

    def test_an_optimizer_of_some_parameters_is_not_derived(self):
        model = Net()
        optimizer = torch.optim.Adam(model.dense.parameters())
        report = lstmdoc.explain(model, optimizer=optimizer)
        assert report.optimizer is not None
        assert report.optimizer.params is None
        assert "not derived" in report.optimizer.explanation

    def test_an_optimizer_must_be_torchs(self):
        with pytest.raises(TypeError, match=r"torch\.optim\.Optimizer"):
            lstmdoc.explain(Net(), optimizer="adam")
