"""MinHash signatures (datasketch's affine32 scheme) and LSH band keys.

The permutations come from datasketch itself; the min-reduction over a whole
document's shingles is done in one numpy expression (datasketch's own
`update_batch` hashes values one by one in Python first). A unit test checks
that the result equals `MinHash.update_batch` bit for bit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import xxhash
from datasketch import LeanMinHash, MinHash
from datasketch.lsh import _optimal_param
from datasketch.minhash import _fmix

from newsdedup.schemas.records import AnalyzedArticle, ArticleSketch
from newsdedup.transforms.core.config import MINHASH_SCHEME, DedupConfig
from newsdedup.transforms.core.signals.protocol import DUP_VOTE, ArticleText, Signal
from newsdedup.transforms.core.signals.shingles import HashArray

SignatureArray = npt.NDArray[np.uint32]
_EMPTY_VALUE = np.uint32(0xFFFFFFFF)


def signature_scheme(num_perm: int, seed: int) -> str:
    """The descriptor stored with every signature; signatures with different
    descriptors must never be compared."""
    return f"datasketch-{MINHASH_SCHEME}/perm{num_perm}/seed{seed}/xxh3-low32"


@dataclass(frozen=True)
class LshBands:
    bands: int
    rows: int

    @classmethod
    def for_threshold(cls, threshold: float, num_perm: int, bands: int = 0) -> LshBands:
        if bands:
            return cls(bands, num_perm // bands)
        # Recall first: every candidate is verified on its signatures afterwards,
        # so a false candidate costs one comparison while a missed one is lost.
        b, r = _optimal_param(threshold, num_perm, 0.1, 0.9)
        return cls(b, r)


class SignatureBuilder:
    """Computes MinHash signatures with fixed permutations."""

    def __init__(self, num_perm: int, seed: int) -> None:
        template = MinHash(num_perm=num_perm, seed=seed, scheme=MINHASH_SCHEME)
        a, b = template.permutations
        self.num_perm = num_perm
        self.seed = seed
        self._a: SignatureArray = a.astype(np.uint32)
        self._b: SignatureArray = b.astype(np.uint32)
        self._b_column: SignatureArray = self._b.reshape(-1, 1)

    def signature(self, shingle_hashes: HashArray) -> SignatureArray:
        """The MinHash of the set of shingles; all 0xFFFFFFFF for an empty set."""
        if len(shingle_hashes) == 0:
            return np.full(self.num_perm, _EMPTY_VALUE, dtype=np.uint32)
        # No np.unique: a repeated shingle cannot change a minimum, and sorting costs more.
        low32 = shingle_hashes.astype(np.uint32)  # keeps the low 32 bits
        mixed = _fmix(low32, 32)
        # One row per permutation, so that each minimum runs along contiguous memory;
        # added in place, so that no second matrix is made.
        with np.errstate(over="ignore"):
            permuted = np.multiply.outer(self._a, mixed)
            permuted += self._b_column
        return np.asarray(permuted.min(axis=1), dtype=np.uint32)

    def to_datasketch(self, signature: SignatureArray) -> LeanMinHash:
        """The same signature as a datasketch object, for use with its LSH indexes."""
        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme=MINHASH_SCHEME)


def is_empty_signature(signature: SignatureArray) -> bool:
    """True for the signature of a text without a single shingle."""
    return bool(np.all(signature == _EMPTY_VALUE))


def band_keys(signature: SignatureArray, bands: LshBands) -> npt.NDArray[np.uint64]:
    """One 64-bit key per LSH band; equal keys mean the band's rows are equal.

    An empty text has no keys: two emoji-only posts are no candidates.
    """
    if is_empty_signature(signature):
        return np.empty(0, dtype=np.uint64)
    keys = np.empty(bands.bands, dtype=np.uint64)
    for band in range(bands.bands):
        rows = signature[band * bands.rows : (band + 1) * bands.rows]
        keys[band] = xxhash.xxh3_64_intdigest(rows.tobytes(), seed=band)
    return keys


def estimated_jaccard(left: SignatureArray, right: SignatureArray) -> float:
    """The share of equal positions; 0 if either text has no shingle at all (an
    empty set is similar to nothing; equal texts still meet by content hash)."""
    if len(left) != len(right):
        raise ValueError("signatures of different lengths cannot be compared")
    if is_empty_signature(left) or is_empty_signature(right):
        return 0.0
    return float(np.count_nonzero(left == right)) / len(left)


def signature_to_bytes(signature: SignatureArray) -> bytes:
    return signature.astype("<u4").tobytes()


def signature_from_bytes(raw: bytes) -> SignatureArray:
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)


@functools.lru_cache(maxsize=4)
def _builder(num_perm: int, seed: int) -> SignatureBuilder:
    # Built once per worker and parameters: the permutations are the costly part.
    return SignatureBuilder(num_perm, seed)


@functools.lru_cache(maxsize=4)
def _bands(threshold: float, num_perm: int, bands: int) -> LshBands:
    return LshBands.for_threshold(threshold, num_perm, bands)


class MinHashSignal(Signal):
    """The MinHash signature of the text's shingles; LSH band keys propose
    near-duplicate candidates. Its column `minhash_scheme` is the run's
    (RunContext.minhash_scheme)."""

    name = "minhash_signature"
    sketch_parameters = ("minhash_scheme", "word_shingle_size", "char_shingle_size")
    link = DUP_VOTE
    core = True

    def fields(self) -> tuple[pa.Field, ...]:
        return (
            pa.field(self.name, pa.binary(), nullable=False),
            pa.field("minhash_scheme", pa.string(), nullable=False),
        )

    def compute(self, text: ArticleText, config: DedupConfig) -> bytes:
        builder = _builder(config.num_perm, config.minhash_seed)
        return signature_to_bytes(builder.signature(text.shingle_hashes))

    def stored(self, analyzed: AnalyzedArticle) -> dict[str, Any]:
        return {self.name: analyzed.sketch.signature}

    def value(self, sketch: ArticleSketch) -> bytes:
        return sketch.signature

    def proposes_candidates(self, config: DedupConfig) -> bool:
        return True

    def candidate_keys(self, value: bytes, config: DedupConfig) -> HashArray:
        bands = _bands(config.dup_threshold, config.num_perm, config.lsh_bands)
        return band_keys(signature_from_bytes(value), bands)


MINHASH = MinHashSignal()
