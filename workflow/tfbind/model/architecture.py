"""The fusion network: sequences + interface metrics + AlphaFold metrics + domain category -> score in (0, 1).

Data flow (B = batch, H = ``hidden_dim``, E = ``embed_dim``)::

    TF seq ----\\                                   /--> tf_repr (B,H) ----------------------------\\
                >-- shared TransformerEncoder ----<                                                 |
    domain seq-/     (+ residual, per branch)      \\--> dom_repr (B,H) ---------------------------\\ |
                                                                                                   | |
    interface cols -> processor -> (B,H) + CrossAttention(tf_repr -> interface feature tokens)      | |
    alphafold cols -> processor -> (B,H) + CrossAttention(tf_repr -> alphafold feature tokens)      | |
                                         + CrossAttention(dom_repr -> alphafold feature tokens)     | |
    domain category -> Embedding (B,E)                                                              | |
                                                                                                    v v
    gated fusion: x = cat[tf, structure, alphafold, category, domain]; x = LayerNorm(x * sigmoid(Linear(x)))
    head: Linear -> GELU -> LayerNorm -> Dropout -> Linear -> logit (B,) + category_bias[category]
    score = sigmoid(logit)

Sequence branches (config ``encoding``):

* ``index`` (original design): the (B, max_len) float index vector -> ``EnhancedFeatureProcessor`` -> (B, H);
  the shared encoder then sees each branch as a one-token sequence (so its attention reduces to the value
  projection; the feed-forward part and the residual still apply), as in the original design.
* ``tokens``: residue embedding + learned positions (B, L, H) -> shared encoder over the residues with a key
  padding mask, residual -> masked mean pooling -> ``EnhancedFeatureProcessor`` -> (B, H). Batches are cut
  to their longest sequence first (padding does not change the result, it only costs time).

The TF and domain branches go through the encoder together (stacked on the batch axis): same weights, one
call.

Cross-attention keys: the structure and AlphaFold *representations* are single vectors, and attention over
a single key is the identity weighting (softmax of one logit = 1), which leaves the query and key
projections without gradient. The keys are therefore the group's scaled input columns as tokens
(``FeatureTokens``: token_j = x_j * w_j + b_j, one learned (w_j, b_j) per column), so the sequence query
chooses among the metrics; the attention output is projected to H and ADDED to the group representation.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from .encoding import MASK_TOKEN, PAD_TOKEN, VOCAB_SIZE

ARCH_KEYS = ("encoding", "max_len", "embed_dim", "hidden_dim", "num_heads", "num_layers", "dropout")


class ResidualBlock(nn.Module):
    """x + Dropout(Linear(Dropout(GELU(Linear(LayerNorm(x)))))), hidden width 2*dim (pre-LayerNorm)."""

    def __init__(self, dim: int, dropout: float):
        super().__init__()
        self.net = nn.Sequential(
            nn.LayerNorm(dim),
            nn.Linear(dim, 2 * dim),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(2 * dim, dim),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.net(x)


class EnhancedFeatureProcessor(nn.Module):
    """Linear(input_dim -> output_dim) -> LayerNorm -> GELU -> ``num_layers`` x :class:`ResidualBlock`."""

    def __init__(self, input_dim: int, output_dim: int, num_layers: int, dropout: float):
        super().__init__()
        self.input = nn.Sequential(nn.Linear(input_dim, output_dim), nn.LayerNorm(output_dim), nn.GELU())
        self.blocks = nn.Sequential(*[ResidualBlock(output_dim, dropout) for _ in range(num_layers)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.input(x))


class FeatureTokens(nn.Module):
    """(B, n) scaled columns -> (B, n, dim) tokens, token_j = x_j * weight_j + bias_j."""

    def __init__(self, n_features: int, dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_features, dim) / dim**0.5)
        self.bias = nn.Parameter(torch.zeros(n_features, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(-1) * self.weight + self.bias


class CrossAttention(nn.Module):
    """Query attends over key tokens: q, k, v projected to ``embed_dim``, one shared LayerNorm, attention.

    ``forward(query (B, Lq, query_dim), key (B, Lk, key_dim)) -> (B, Lq, key_dim)``: the attention output
    is projected back to ``key_dim`` so that it can be added to the key group's representation.
    """

    def __init__(
        self, query_dim: int, key_dim: int, embed_dim: int, num_heads: int = 4, dropout: float = 0.2
    ):
        super().__init__()
        self.query_proj = nn.Linear(query_dim, embed_dim)
        self.key_proj = nn.Linear(key_dim, embed_dim)
        self.value_proj = nn.Linear(key_dim, embed_dim)
        self.norm = nn.LayerNorm(embed_dim)  # shared by query, key and value
        self.attention = nn.MultiheadAttention(embed_dim, num_heads, dropout=dropout, batch_first=True)
        self.out_proj = nn.Linear(embed_dim, key_dim)

    def forward(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        q = self.norm(self.query_proj(query))
        k = self.norm(self.key_proj(key))
        v = self.norm(self.value_proj(key))
        out, _ = self.attention(q, k, v, need_weights=False)
        return self.out_proj(out)


def architecture_config(config: dict, features: dict[str, list[str]], categories: list[str]) -> dict:
    """The plain-data config a :class:`BindingFusionModel` is built from (stored in the checkpoint)."""
    arch = {key: copy.deepcopy(config[key]) for key in ARCH_KEYS}
    arch["features"] = {group: list(cols) for group, cols in features.items()}
    arch["categories"] = list(categories)
    return arch


class BindingFusionModel(nn.Module):
    """The fusion model; ``config``: :data:`ARCH_KEYS`, ``features`` {alphafold, interface}, ``categories``.

    ``batch`` (a dict of tensors): ``tf_seq``, ``domain_seq`` ((B, max_len) float for ``index``, int64 for
    ``tokens``), ``interface`` (B, n_interface), ``alphafold`` (B, n_alphafold) scaled floats, ``category``
    (B,) int64 index into ``config["categories"]``.
    """

    def __init__(self, config: dict):
        super().__init__()
        self.config = copy.deepcopy(config)
        enc = config["encoding"]
        if enc not in ("index", "tokens"):
            raise ValueError(f"unknown encoding {enc!r}")
        H, E = config["hidden_dim"], config["embed_dim"]
        heads, dropout = config["num_heads"], config["dropout"]
        n_interface = len(config["features"]["interface"])
        n_alphafold = len(config["features"]["alphafold"])
        n_categories = len(config["categories"])

        if enc == "tokens":
            self.residue_embedding = nn.Embedding(VOCAB_SIZE, H, padding_idx=PAD_TOKEN)
            self.position_embedding = nn.Embedding(config["max_len"], H)
            seq_in = H
        else:
            seq_in = config["max_len"]
        self.tf_processor = EnhancedFeatureProcessor(seq_in, H, 2, dropout)
        self.domain_processor = EnhancedFeatureProcessor(seq_in, H, 2, dropout)
        self.interface_processor = EnhancedFeatureProcessor(n_interface, H, 3, dropout)
        self.alphafold_processor = EnhancedFeatureProcessor(n_alphafold, H, 3, dropout)

        layer = nn.TransformerEncoderLayer(
            H, heads, dim_feedforward=2 * H, dropout=dropout, activation="gelu", batch_first=True
        )
        self.sequence_encoder = nn.TransformerEncoder(layer, config["num_layers"], enable_nested_tensor=False)

        self.interface_tokens = FeatureTokens(n_interface, H)
        self.alphafold_tokens = FeatureTokens(n_alphafold, H)
        self.tf_interface_attention = CrossAttention(H, H, E, heads, dropout)
        self.tf_alphafold_attention = CrossAttention(H, H, E, heads, dropout)
        self.domain_alphafold_attention = CrossAttention(H, H, E, heads, dropout)

        self.category_embedding = nn.Embedding(n_categories, E)
        fused = 4 * H + E
        self.gate = nn.Linear(fused, fused)
        self.fusion_norm = nn.LayerNorm(fused)
        self.head = nn.Sequential(
            nn.Linear(fused, H), nn.GELU(), nn.LayerNorm(H), nn.Dropout(dropout), nn.Linear(H, 1)
        )
        self.category_bias = nn.Parameter(torch.zeros(n_categories))

    # -- sequence branches -------------------------------------------------------------------------
    def _encode_sequences(
        self, tf_seq: torch.Tensor, domain_seq: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        B = tf_seq.shape[0]
        if self.config["encoding"] == "index":
            both = torch.cat([self.tf_processor(tf_seq), self.domain_processor(domain_seq)]).unsqueeze(1)
            both = (self.sequence_encoder(both) + both).squeeze(1)
            return both[:B], both[B:]
        tokens = torch.cat([tf_seq, domain_seq])
        pad = tokens == PAD_TOKEN
        length = int((~pad).sum(1).max().clamp(min=1))  # cut to the longest sequence of the batch
        tokens, pad = tokens[:, :length], pad[:, :length].clone()
        pad[:, 0] &= ~pad.all(1)  # an empty sequence attends to its first (pad) position instead of nothing
        positions = torch.arange(length, device=tokens.device)
        x = self.residue_embedding(tokens) + self.position_embedding(positions)
        x = self.sequence_encoder(x, src_key_padding_mask=pad) + x
        keep = (~pad).unsqueeze(-1).to(x.dtype)
        pooled = (x * keep).sum(1) / keep.sum(1)
        return self.tf_processor(pooled[:B]), self.domain_processor(pooled[B:])

    # -- full model ----------------------------------------------------------------------------------
    def head_logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(B,) logits before the per-category bias."""
        tf, dom = self._encode_sequences(batch["tf_seq"], batch["domain_seq"])
        interface, alphafold = batch["interface"], batch["alphafold"]
        structure = self.interface_processor(interface)
        af = self.alphafold_processor(alphafold)
        interface_keys = self.interface_tokens(interface)
        alphafold_keys = self.alphafold_tokens(alphafold)
        tf_q, dom_q = tf.unsqueeze(1), dom.unsqueeze(1)
        structure = structure + self.tf_interface_attention(tf_q, interface_keys).squeeze(1)
        af = (
            af
            + self.tf_alphafold_attention(tf_q, alphafold_keys).squeeze(1)
            + self.domain_alphafold_attention(dom_q, alphafold_keys).squeeze(1)
        )
        category = self.category_embedding(batch["category"])
        combined = torch.cat([tf, structure, af, category, dom], dim=1)
        fused = self.fusion_norm(combined * torch.sigmoid(self.gate(combined)))
        return self.head(fused).squeeze(-1)

    def logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(B,) logits: head logits + ``category_bias[category]`` (one gather for the whole batch)."""
        return self.head_logits(batch) + self.category_bias[batch["category"]]

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(B,) scores in (0, 1)."""
        return torch.sigmoid(self.logits(batch))


__all__ = [
    "ResidualBlock",
    "EnhancedFeatureProcessor",
    "FeatureTokens",
    "CrossAttention",
    "BindingFusionModel",
    "architecture_config",
    "MASK_TOKEN",
]
