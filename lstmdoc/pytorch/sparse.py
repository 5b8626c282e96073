"""Rules for ``torch.nn``'s embeddings: Embedding and EmbeddingBag.

Read off ``torch/nn/modules/sparse.py``. Both count by the ``torch-embedding``
family: ``padding_idx``, ``max_norm`` and ``sparse`` change how rows are used, not
how many there are.
"""

from __future__ import annotations

from collections.abc import Mapping

from lstmdoc.counting import breakdown
from lstmdoc.pytorch.rule import Config, Found, Shape, TorchRule, derivation, size
from lstmdoc.report.rules import Derivation

__all__ = ["EMBEDDING_NAMES", "MODULE_RULES"]

EMBEDDING_NAMES = r"emb|wte|wpe|tok|vocab|shared|lookup|codebook"
"""Module names that make a lone weight matrix an ``Embedding`` rather than a ``Linear``:
``embed_tokens``, GPT-2's ``wte`` and ``wpe``, T5's ``shared`` ..."""

_SOURCE = "torch/nn/modules/sparse.py"


def _embedding(config: Config) -> Derivation:
    return derivation(
        breakdown(
            "torch-embedding",
            num_embeddings=size(config, "num_embeddings"),
            embedding_dim=size(config, "embedding_dim"),
        )
    )


def recognise_embedding(tensors: Mapping[str, Shape], children: frozenset[str]) -> Found | None:
    """A lone 2-D ``weight``: an ``Embedding``, or a ``Linear`` without bias, which count alike."""
    weight = tensors.get("weight")
    if children or weight is None or len(weight) != 2 or set(tensors) != {"weight"}:
        return None
    rows, columns = weight
    note = (
        f"a lone weight matrix is an Embedding({rows}, {columns}) or a "
        f"Linear({columns}, {rows}, bias=False): both count {rows} × {columns}, and the "
        "module's name chooses"
    )
    config = {"num_embeddings": rows, "embedding_dim": columns}
    return Found(
        "Embedding", "sparse", config, f"Embedding({rows}, {columns})", note, EMBEDDING_NAMES
    )


_READS = ("num_embeddings", "embedding_dim")

MODULE_RULES = {
    "Embedding": TorchRule(
        _READS, _embedding, f"{_SOURCE}, Embedding.__init__", recognise_embedding
    ),
    "EmbeddingBag": TorchRule(_READS, _embedding, f"{_SOURCE}, EmbeddingBag.__init__"),
}
"""The rules of ``torch.nn``'s embeddings, by class name."""
