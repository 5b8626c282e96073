"""Files written by PyTorch, safetensors and transformers, explained with PyTorch's own counts.

Each file is written here by the library that writes it for real (``torch.save``,
``safetensors.torch.save_file``, ``save_pretrained`` of a small configuration; no
weights are downloaded) and explained by ``lstmdoc explain``; the total must be
PyTorch's count of unique parameters, ``sum(p.numel() for p in model.parameters())``,
and the buffers PyTorch's too. The hostile PyTorch files are here as well: they need
PyTorch to be refused by what PyTorch itself would do with them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import safetensors.torch
import torch
import transformers
from torch import nn

import lstmdoc
from tests import hostile_files
from tests.pytorch.against_torch.test_torch_quantized import dynamic
from tests.test_hostile_files import MEMORY_LIMIT_MB, RAW, explain_in_a_subprocess

ROOT = Path(__file__).resolve().parents[3]


def parameters(model: nn.Module) -> int:
    """PyTorch's own count: a tied parameter once."""
    return sum(parameter.numel() for parameter in model.parameters())


def buffers(model: nn.Module) -> int:
    return sum(buffer.numel() for buffer in model.buffers())


def convolutional_net() -> nn.Module:
    """Every convolution and norm a state_dict recogniser knows, with biases that tell them apart."""
    return nn.Sequential(
        nn.Conv2d(3, 8, 3),
        nn.BatchNorm2d(8),
        nn.Conv1d(8, 6, 5, bias=False),
        nn.ConvTranspose2d(8, 4, 2),
        nn.Conv3d(4, 2, (1, 2, 3)),
        nn.GroupNorm(2, 4),
        nn.LayerNorm(6),
        nn.RMSNorm(6),
        nn.Linear(6, 3, bias=False),
    )


def gpt2() -> nn.Module:
    """A two-block GPT-2 whose head is tied to its token embedding."""
    config = transformers.GPT2Config(vocab_size=64, n_positions=16, n_embd=16, n_layer=2, n_head=2)
    return transformers.GPT2LMHeadModel(config)


class TestRealFiles:
    @pytest.mark.parametrize("suffix", [".pt", ".pth", ".bin", ".ckpt"])
    def test_torch_save_in_every_suffix(self, tmp_path, suffix):
        """torch.save's state_dict, whatever the file is called: every row derived, PyTorch's count."""
        model = convolutional_net()
        path = tmp_path / f"net{suffix}"
        torch.save(model.state_dict(), path)
        report = lstmdoc.explain_file(path)
        assert (report.total_params, report.total_buffer_size) == (
            parameters(model),
            buffers(model),
        )
        assert report.agrees, str(report)
        assert report.all_derived

    def test_a_lightning_checkpoint(self, tmp_path):
        """A Lightning .ckpt keeps the state_dict under "state_dict", beside its training state."""
        model = gpt2()
        path = tmp_path / "epoch=3.ckpt"
        torch.save({"epoch": 3, "global_step": 10, "state_dict": model.state_dict()}, path)
        report = lstmdoc.explain_file(path)
        assert report.total_params == parameters(model)
        assert "'state_dict' entry" in report.notes[0]

    def test_tied_weights_in_a_pt_count_once(self, tmp_path):
        """GPT-2's head is its token embedding: torch.save keeps one storage, counted once."""
        model = gpt2()
        path = tmp_path / "gpt2.pt"
        torch.save(model.state_dict(), path)
        report = lstmdoc.explain_file(path)
        assert report.total_params == report.derived_params == parameters(model)
        head = next(row for row in report.rows if row.name == "lm_head")
        assert head.params == 0
        assert head.shared

    def test_safetensors_save_file_without_torch(self, tmp_path):
        """safetensors.torch.save_file: explained from its header, with PyTorch unimportable."""
        model = convolutional_net()
        path = tmp_path / "net.safetensors"
        safetensors.torch.save_file(model.state_dict(), str(path))
        code = (
            "import sys, json; sys.modules['torch'] = None\n"
            "from lstmdoc.cli import main\n"
            f"sys.exit(main(['explain', {str(path)!r}, '--json']))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        report = lstmdoc.explain_file(path)
        assert f'"total_params": {parameters(model)}' in result.stdout
        assert (report.total_params, report.total_buffer_size) == (
            parameters(model),
            buffers(model),
        )
        assert report.agrees

    @pytest.mark.parametrize("shard", [None, "20KB"])
    def test_save_pretrained(self, tmp_path, shard):
        """save_pretrained's folder, whole or sharded: the architecture's name, PyTorch's count."""
        model = gpt2()
        folder = tmp_path / "gpt2"
        model.save_pretrained(folder, **({"max_shard_size": shard} if shard else {}))
        report = lstmdoc.explain_file(folder)
        assert report.model == "GPT2LMHeadModel"
        assert report.total_params == report.derived_params == parameters(model)
        assert any("tie_word_embeddings" in note for note in report.notes)
        if shard:
            assert (folder / "model.safetensors.index.json").exists()
            index = lstmdoc.explain_file(folder / "model.safetensors.index.json")
            assert index.total_params == parameters(model)

    def test_buffers_by_name_are_not_parameters(self, tmp_path):
        """Swin's relative_position_index is a buffer: PyTorch counts it apart, and so does lstmdoc."""
        config = transformers.SwinConfig(
            image_size=32, patch_size=4, embed_dim=8, depths=[1, 1], num_heads=[1, 1], window_size=2
        )
        model = transformers.SwinModel(config)
        path = tmp_path / "swin.pt"
        torch.save(model.state_dict(), path)
        report = lstmdoc.explain_file(path)
        stored = sum(t.numel() for t in model.state_dict().values()) - parameters(model)
        assert report.total_params == parameters(model)
        assert report.total_buffer_size == stored

    def test_barts_final_logits_bias_is_a_buffer(self, tmp_path):
        """BART's head adds final_logits_bias, an nn.Buffer: counted apart, as PyTorch does."""
        config = transformers.BartConfig(
            vocab_size=64, d_model=16, encoder_layers=1, decoder_layers=1,
            encoder_attention_heads=2, decoder_attention_heads=2,
            encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=32,
        )  # fmt: skip
        model = transformers.BartForConditionalGeneration(config)
        assert "final_logits_bias" in dict(model.named_buffers())
        path = tmp_path / "bart.safetensors"
        safetensors.torch.save_model(model, path)
        report = lstmdoc.explain_file(path)
        assert report.derived_params == parameters(model)
        assert report.buffer_size == buffers(model)

    def test_a_quantized_state_dict_is_refused_for_what_it_holds(self, tmp_path):
        """Dynamic quantization packs weights as TorchScript objects, which weights_only refuses."""
        model = dynamic(nn.Sequential(nn.LSTM(4, 8)))
        path = tmp_path / "quantized.pt"
        torch.save(model.state_dict(), path)
        with pytest.raises(ValueError, match="holds TorchScript objects") as refusal:
            lstmdoc.explain_file(path)
        assert "explain the live module instead" in str(refusal.value)
        with pytest.raises(Exception, match="ScriptObject"):  # PyTorch's own refusal
            torch.load(path, weights_only=True)


class TestHostileFiles:
    @pytest.mark.parametrize("name", ["torch_compressed", "legacy_pickle_claims", "fifo_pt"])
    def test_refused_in_one_line_in_bounded_memory(self, tmp_path, name):
        """What PyTorch would read without bound is refused before PyTorch reads it."""
        result, peak, seconds = explain_in_a_subprocess(hostile_files.BUILDERS[name](tmp_path))
        assert result.returncode == 2
        assert len(result.stderr.splitlines()) == 1, result.stderr
        # PyTorch itself weighs a few hundred megabytes: the file may add no more than that.
        assert peak < MEMORY_LIMIT_MB + 512
        assert seconds < 60

    def test_a_pickle_that_would_run_os_system_never_runs(self, tmp_path):
        """A pickle calling os.system: one line saying it would run code, and the marker never appears."""
        marker = tmp_path / "marker"

        class Payload:
            def __reduce__(self):
                return os.system, (f"touch {marker}",)

        path = tmp_path / "payload.pt"
        torch.save({"weight": torch.zeros(2), "payload": Payload()}, path)
        result, _, _ = explain_in_a_subprocess(path)
        assert result.returncode == 2
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert "would run code when loaded" in result.stderr
        assert "did not load it" in result.stderr
        assert "weights_only=False" not in result.stderr
        assert not any(raw in result.stderr for raw in RAW)
        assert not marker.exists()
        # The payload is real: loading the file unsafely would have run it.
        load = f"import torch; torch.load({str(path)!r}, weights_only=False)"
        subprocess.run([sys.executable, "-c", load], check=True, capture_output=True, cwd=ROOT)
        assert marker.exists()
