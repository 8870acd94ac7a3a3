"""The fusion network: a wide (linear) path and a small deep path over standardised feature groups.

For a pair with standardised features x (F columns, groups ``alphafold``, ``interface``, ``sequence``) and
domain category d, one member of the ensemble scores::

    wide(x, d) = x . (w_shared + w_domain[d])                  w_shared starts at the prior w0
    deep(x, d) = out(Dropout(h * sigmoid(gate(h))))            out starts at zero
        h = cat[GELU(Linear_g(x_g)) for each non-empty group g,  domain_embedding[d],
                (cross-attention of domain_embedding[d] over per-feature tokens),   optional
                (pooled residue encodings of the TF and domain sequences)]          optional
    z(x, d) = wide(x, d) + deep(x, d)                          the ranking score (pKd z-score)

and the training loss adds a per-domain bias b[d] (``category_bias``) that is NOT part of the score: a fitted
per-domain constant does not change the ranking within a domain, and in cross-validation it would move
opposite to the held-out fold's label mean (README, "Evaluation"). Because ``out`` starts at zero, an
untrained member IS the prior linear model x . w0.

A category the model was not trained on (index -1) is scored with the shared weights only: w_domain and the
domain embedding are zero for it.

Optional parts of the original design (config keys, off by default; measured in README):

* ``cross_attention``: the domain embedding attends over one token per feature column
  (token_j = x_j * a_j + b_j, :class:`FeatureTokens`);
* ``residue_encoder``: ``index`` (Linear over the residue-index vector of each sequence) or ``tokens``
  (residue + position embeddings, masked mean pooling), with ``shared_encoder`` a transformer encoder
  shared by the TF and domain sequences.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from .encoding import PAD_TOKEN, VOCAB_SIZE

ARCH_KEYS = ("wide", "deep", "hidden_dim", "dropout", "cross_attention", "residue_encoder", "shared_encoder",
             "max_len", "num_heads", "num_layers")


class FeatureTokens(nn.Module):
    """(B, n) scaled columns -> (B, n, dim) tokens, token_j = x_j * weight_j + bias_j."""

    def __init__(self, n_features: int, dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_features, dim) / dim**0.5)
        self.bias = nn.Parameter(torch.zeros(n_features, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(-1) * self.weight + self.bias


class ResidueEncoder(nn.Module):
    """Both sequences -> (B, 2 * H): ``index`` Linear(max_len -> H) + GELU on the residue-index vector;
    ``tokens`` residue + position embeddings, optional shared transformer encoder, masked mean pooling."""

    def __init__(self, kind: str, max_len: int, hidden: int, shared_encoder: bool, heads: int, layers: int,
                 dropout: float):
        super().__init__()
        self.kind = kind
        if kind == "index":
            self.proj = nn.Sequential(nn.Linear(max_len, hidden), nn.GELU())
        else:
            self.residues = nn.Embedding(VOCAB_SIZE, hidden, padding_idx=PAD_TOKEN)
            self.positions = nn.Embedding(max_len, hidden)
            self.encoder = None
            if shared_encoder:
                layer = nn.TransformerEncoderLayer(hidden, heads, 2 * hidden, dropout, activation="gelu",
                                                   batch_first=True)
                self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)

    def _one(self, seq: torch.Tensor) -> torch.Tensor:
        if self.kind == "index":
            return self.proj(seq.float())
        pad = seq == PAD_TOKEN
        h = self.residues(seq) + self.positions(torch.arange(seq.shape[1], device=seq.device))
        if self.encoder is not None:
            h = h + self.encoder(h, src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).float()
        return (h * keep).sum(1) / keep.sum(1).clamp_min(1.0)

    def _distinct(self, seq: torch.Tensor) -> torch.Tensor:
        """Scoring (eval mode) of ``tokens``: each distinct sequence encoded once, cut after the batch's longest.

        A screen pairs every tile with a few domains and every domain with every tile, so most rows repeat a
        sequence (100,000 pairs of 25,000 tiles x 4 domains: 8x fewer sequences to encode), and columns past
        the longest sequence are padding that the mask ignores. Exact: in eval mode a row's encoding depends
        on its own tokens only (no dropout; padded keys are masked and padded positions are not pooled). In
        training the dropout draws stay per row, as they were.
        """
        if self.training or self.kind != "tokens" or not len(seq):
            return self._one(seq)
        filled = (seq != PAD_TOKEN).any(0).nonzero()
        length = int(filled.max()) + 1 if len(filled) else 1
        seq = seq[:, :length]
        if seq.device.type == "cpu":  # numpy's unique of whole rows as bytes: ~10x faster than torch's unique_dim
            rows = np.ascontiguousarray(seq.numpy().astype(np.uint8))  # token ids < VOCAB_SIZE = 23
            _, first, inverse = np.unique(rows.view(np.dtype((np.void, length))).ravel(), return_index=True,
                                          return_inverse=True)
            unique, inverse = seq[torch.from_numpy(first)], torch.from_numpy(inverse.ravel())
        else:
            unique, inverse = torch.unique(seq, dim=0, return_inverse=True)
        return self._one(unique)[inverse]

    def forward(self, tf_seq: torch.Tensor, domain_seq: torch.Tensor) -> torch.Tensor:
        return torch.cat([self._distinct(tf_seq), self._distinct(domain_seq)], dim=1)


def architecture_config(config: dict, features: dict[str, list[str]], categories: list[str]) -> dict:
    """The plain-data config a :class:`BindingFusionModel` is built from (stored in the checkpoint)."""
    arch = {key: copy.deepcopy(config[key]) for key in ARCH_KEYS}
    arch["features"] = {group: list(cols) for group, cols in features.items()}
    arch["categories"] = list(categories)
    arch["ensemble"] = int(config.get("ensemble", 1))
    return arch


def expected_shapes(config: dict) -> dict[str, tuple[tuple[int, ...], str]]:
    """Name -> (shape, the config keys that set it) of every tensor in the state dict of
    ``FusionEnsemble(config)``, computed from ``config`` alone: ``checkpoint.load`` compares a file's weights
    with its stored architecture before building anything (a crafted config must not choose what is
    allocated). ``config``'s types are checked by the caller. tests/test_model_architecture.py checks this
    against the state dicts of built models, so it cannot drift from the classes below."""
    groups = [len(config["features"].get(g, [])) for g in ("alphafold", "interface", "sequence")]
    n_features, n_cat, hidden = sum(groups), len(config["categories"]), int(config["hidden_dim"])
    member: dict[str, tuple[tuple[int, ...], str]] = {
        "w_shared": ((n_features,), "features"),
        "w_domain": ((n_cat, n_features), "categories x features"),
        "category_bias": ((n_cat,), "categories"),
        "w_prior": ((n_features,), "features"),
    }
    if config["deep"]:
        for i, n in enumerate(g for g in groups if g):
            member[f"processors.{i}.0.weight"] = ((hidden, n), "hidden_dim x features of a group")
            member[f"processors.{i}.0.bias"] = ((hidden,), "hidden_dim")
        member["domain_embedding.weight"] = ((n_cat, hidden), "categories x hidden_dim")
        fused = hidden * (sum(1 for g in groups if g) + 1)

        def attention(prefix: str) -> None:
            member[f"{prefix}.in_proj_weight"] = ((3 * hidden, hidden), "hidden_dim")
            member[f"{prefix}.in_proj_bias"] = ((3 * hidden,), "hidden_dim")
            member[f"{prefix}.out_proj.weight"] = ((hidden, hidden), "hidden_dim")
            member[f"{prefix}.out_proj.bias"] = ((hidden,), "hidden_dim")

        if config["cross_attention"]:
            member["feature_tokens.weight"] = ((n_features, hidden), "features x hidden_dim")
            member["feature_tokens.bias"] = ((n_features, hidden), "features x hidden_dim")
            attention("attention")
            fused += hidden
        encoder = config["residue_encoder"]
        if encoder == "index":
            member["residue_encoder.proj.0.weight"] = ((hidden, int(config["max_len"])),
                                                       "hidden_dim x max_len")
            member["residue_encoder.proj.0.bias"] = ((hidden,), "hidden_dim")
        elif encoder == "tokens":
            member["residue_encoder.residues.weight"] = ((VOCAB_SIZE, hidden), "hidden_dim")
            member["residue_encoder.positions.weight"] = ((int(config["max_len"]), hidden),
                                                          "max_len x hidden_dim")
            if config["shared_encoder"]:
                for layer in range(int(config["num_layers"])):
                    prefix = f"residue_encoder.encoder.layers.{layer}"
                    attention(f"{prefix}.self_attn")
                    member[f"{prefix}.linear1.weight"] = ((2 * hidden, hidden), "hidden_dim")
                    member[f"{prefix}.linear1.bias"] = ((2 * hidden,), "hidden_dim")
                    member[f"{prefix}.linear2.weight"] = ((hidden, 2 * hidden), "hidden_dim")
                    member[f"{prefix}.linear2.bias"] = ((hidden,), "hidden_dim")
                    for norm in ("norm1", "norm2"):
                        member[f"{prefix}.{norm}.weight"] = ((hidden,), "hidden_dim")
                        member[f"{prefix}.{norm}.bias"] = ((hidden,), "hidden_dim")
        if encoder != "none":
            fused += 2 * hidden
        member["gate.weight"] = ((fused, fused), "hidden_dim and the paths switched on")
        member["gate.bias"] = ((fused,), "hidden_dim and the paths switched on")
        member["out.weight"] = ((1, fused), "hidden_dim and the paths switched on")
        member["out.bias"] = ((1,), "the output layer")
    return {f"members.{k}.{name}": spec for k in range(int(config["ensemble"]))
            for name, spec in member.items()}


class BindingFusionModel(nn.Module):
    """One member: ``forward(batch) -> z`` (B,), the ranking score without the per-domain bias.

    ``batch``: ``x`` (B, F) standardised features in group order, ``category`` (B,) int64 (-1 = unseen),
    and ``tf_seq``/``domain_seq`` when a residue encoder is configured.
    """

    def __init__(self, config: dict):
        super().__init__()
        self.config = copy.deepcopy(config)
        groups = [len(config["features"].get(g, [])) for g in ("alphafold", "interface", "sequence")]
        self.group_sizes = [n for n in groups if n]
        n_features, n_cat, hidden = sum(groups), len(config["categories"]), int(config["hidden_dim"])
        self.w_shared = nn.Parameter(torch.zeros(n_features))
        self.w_domain = nn.Parameter(torch.zeros(n_cat, n_features))
        self.category_bias = nn.Parameter(torch.zeros(n_cat))
        self.register_buffer("w_prior", torch.zeros(n_features))
        if config["deep"]:
            self.processors = nn.ModuleList(nn.Sequential(nn.Linear(n, hidden), nn.GELU())
                                            for n in self.group_sizes)
            self.domain_embedding = nn.Embedding(n_cat, hidden)
            fused = hidden * (len(self.group_sizes) + 1)
            if config["cross_attention"]:
                self.feature_tokens = FeatureTokens(n_features, hidden)
                self.attention = nn.MultiheadAttention(hidden, int(config["num_heads"]), batch_first=True)
                fused += hidden
            if config["residue_encoder"] != "none":
                self.residue_encoder = ResidueEncoder(
                    config["residue_encoder"], int(config["max_len"]), hidden, bool(config["shared_encoder"]),
                    int(config["num_heads"]), int(config["num_layers"]), float(config["dropout"]))
                fused += 2 * hidden
            self.gate = nn.Linear(fused, fused)
            self.dropout = nn.Dropout(float(config["dropout"]))
            self.out = nn.Linear(fused, 1)
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)

    def set_prior(self, w0: torch.Tensor) -> None:
        """Start the shared weights at, and shrink them towards, ``w0``."""
        with torch.no_grad():
            self.w_prior.copy_(w0)
            self.w_shared.copy_(w0)

    @staticmethod
    def _seen(category: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        seen = category >= 0
        return category.clamp_min(0), seen.unsqueeze(1).to(torch.float32)

    def forward(self, batch: dict) -> torch.Tensor:
        x = batch["x"]
        index, seen = self._seen(batch["category"])
        z = torch.zeros(len(x), device=x.device, dtype=x.dtype)
        if self.config["wide"]:
            z = z + (x * (self.w_shared + self.w_domain[index] * seen)).sum(1)
        if self.config["deep"]:
            parts, start = [], 0
            for n, processor in zip(self.group_sizes, self.processors):
                parts.append(processor(x[:, start:start + n]))
                start += n
            query = self.domain_embedding(index) * seen
            parts.append(query)
            if self.config["cross_attention"]:
                tokens = self.feature_tokens(x)
                attended, _ = self.attention(query.unsqueeze(1), tokens, tokens, need_weights=False)
                parts.append(attended.squeeze(1))
            if self.config["residue_encoder"] != "none":
                parts.append(self.residue_encoder(batch["tf_seq"], batch["domain_seq"]))
            h = torch.cat(parts, dim=1)
            h = h * torch.sigmoid(self.gate(h))
            z = z + self.out(self.dropout(h)).squeeze(1)
        return z

    def bias(self, category: torch.Tensor) -> torch.Tensor:
        """The per-domain bias of the training loss (0 for an unseen category)."""
        index, seen = self._seen(category)
        return self.category_bias[index] * seen.squeeze(1)

    def penalty(self, penalty_shared: float, penalty_domain: float) -> torch.Tensor:
        """penalty_domain * sum(w_domain^2) + penalty_shared * sum((w_shared - w_prior)^2)."""
        return (penalty_domain * self.w_domain.pow(2).sum()
                + penalty_shared * (self.w_shared - self.w_prior).pow(2).sum())

    def deep_parameters(self) -> list[nn.Parameter]:
        """Parameters of the deep path (under weight decay); the wide weights and the bias are not."""
        wide = {"w_shared", "w_domain", "category_bias"}
        return [p for n, p in self.named_parameters() if n not in wide]


class FusionEnsemble(nn.Module):
    """``config["ensemble"]`` members with the same architecture; ``forward(batch) -> (members, B)`` z."""

    def __init__(self, config: dict):
        super().__init__()
        self.config = copy.deepcopy(config)
        self.members = nn.ModuleList(BindingFusionModel(config) for _ in range(int(config["ensemble"])))

    def forward(self, batch: dict) -> torch.Tensor:
        return torch.stack([m(batch) for m in self.members])
