"""Word shingles of an article's text and their MinHash signature, for finding copies.

A shingle is :data:`SHINGLE_WORDS` consecutive words of the text, lowercased (words as
:data:`pipelines.extraction.result.WORD` reads them), hashed to 32 bits from its words'
SHA-1 hashes (:func:`shingle_hashes`). The set of those hashes stands for the text when two
texts are compared exactly (:func:`overlap`); its MinHash signature (datasketch's,
:data:`NUM_PERM` permutations, computed here with numpy: :func:`minhash_signature`) stands
for it when the stage looks for candidate pairs. Both
are computed in the extraction worker with the text (:func:`fingerprint`), and in the
crawl's process only for texts stored without them (before signatures existed).

The shingle size and the number of permutations define the signatures stored in the
database: each stored signature records them, and one made with others is made again.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from pipelines.extraction.result import WORD

SHINGLE_WORDS = 3
"""Words per shingle. Three keeps a reworded copy's shared phrases (see the
measurements in ``docs/copies-and-stories.md``): five-word shingles miss most of them."""

NUM_PERM = 256
"""MinHash permutations: 128 bands of two rows, with which LSH finds a pair of Jaccard
similarity 0.19 (the seeds' reworded copy) with probability 0.99 (see :mod:`pipelines.lsh`)."""

MAX_CHARACTERS = 600_000
"""Characters of a text that are shingled (about 100,000 words): a longer text (no news
article, but a hostile page can be millions of words) is compared on its beginning, so that
no text costs more than about 0.1 s to shingle, in the worker or in the crawl's process."""

BATCH = 256
"""Shingles permuted at a time: a ``shingles × NUM_PERM`` array of 64-bit values is held while
they are (512 KiB, which stays in the processor's cache; not 4 GiB for a text of two million
words)."""

SEED = 1
"""datasketch's default seed: the permutations every signature is made with."""

Hashes = npt.NDArray[np.uint32]
"""The sorted, distinct 32-bit hashes of a text's shingles."""

_POSITION_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93] * 4,
    dtype=np.uint64,
)
"""Odd 64-bit constants, one per word position in a shingle (up to 16 words)."""


def shingle_hashes(text: str, words: int = SHINGLE_WORDS) -> Hashes:
    """The sorted, distinct 32-bit hashes of the ``words``-word shingles of ``text``.

    Each distinct word is hashed once (the first 8 bytes of its SHA-1); a shingle's hash
    mixes its words' hashes in order (multiply and xor-shift, one constant per position) and
    keeps the top 32 bits. A text shorter than ``words`` words is one shingle; a text
    without words has none; text past :data:`MAX_CHARACTERS` is left out.
    """
    tokens = WORD.findall(text[:MAX_CHARACTERS].lower())
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    # Each distinct word's number, in order of first appearance, and each token's.
    vocabulary: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    positions = np.fromiter(map(vocabulary.__getitem__, tokens), dtype=np.intp, count=len(tokens))
    sha1 = hashlib.sha1
    digests = b"".join([sha1(word.encode("utf-8")).digest() for word in vocabulary])
    # The first 8 bytes of each 20-byte digest, read little-endian.
    word_hashes = (
        np.frombuffer(digests, dtype="<u4").reshape(-1, 5)[:, :2].copy().view("<u8").ravel()
    )[positions].astype(np.uint64, copy=False)
    count = max(1, len(tokens) - words + 1)
    mixed = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(min(words, len(tokens))):
            mixed = (mixed ^ word_hashes[offset : offset + count]) * _POSITION_MULTIPLIERS[offset]
            mixed ^= mixed >> np.uint64(31)
    hashes: Hashes = np.sort((mixed >> np.uint64(32)).astype(np.uint32))
    if hashes.size > 1:  # distinct (np.unique does the same, more slowly)
        hashes = hashes[np.concatenate(([True], hashes[1:] != hashes[:-1]))]
    return hashes


_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
"""datasketch's constants: a permuted hash is ``(a * hash + b) % _MERSENNE_PRIME & _MAX_HASH``."""


@lru_cache(maxsize=4)
def _permutations(num_perm: int, seed: int) -> npt.NDArray[np.uint64]:
    """datasketch's permutation parameters, made as its ``MinHash`` makes them (two draws of
    numpy's ``RandomState(seed)`` per permutation; a test pins them to datasketch's), once per
    process (made per signature, they would cost more than the signature itself).

    Importing datasketch would pull in scipy: about 0.3 s for every crawl's fork server,
    while the workers wait for it."""
    generator = np.random.RandomState(seed)
    pairs = [
        (
            generator.randint(1, _MERSENNE_PRIME, dtype=np.uint64),
            generator.randint(0, _MERSENNE_PRIME, dtype=np.uint64),
        )
        for _ in range(num_perm)
    ]
    return np.array(pairs, dtype=np.uint64).T


def load_minhash() -> None:
    """Make the permutations now: the fork server does it once for every worker."""
    _permutations(NUM_PERM, SEED)


def _permuted_minimum(values: npt.NDArray[np.uint64], a: Any, b: Any) -> Any:
    """The least permuted hash of ``values`` (a column) for each permutation, as datasketch
    computes it (``MinHash.update_batch``): 64-bit products and sums that wrap around."""
    permuted = (values * a + b) % _MERSENNE_PRIME
    return (permuted & _MAX_HASH).min(axis=0)


def minhash_signature(hashes: Hashes, num_perm: int = NUM_PERM) -> npt.NDArray[np.uint32]:
    """The MinHash signature of a set of shingle hashes: ``num_perm`` values, the same as
    datasketch's ``MinHash`` (seed :data:`SEED`, each hash its own hash value) updated with
    them, computed without its per-object and per-value costs.

    :param hashes: from :func:`shingle_hashes`; not empty.
    """
    a, b = _permutations(num_perm, SEED)
    signature = np.full(num_perm, _MAX_HASH, dtype=np.uint64)
    for start in range(0, hashes.size, BATCH):
        values = hashes[start : start + BATCH, None].astype(np.uint64)
        # x % (2**61 - 1) without dividing: with x = hi * 2**61 + lo, it is lo + hi, less
        # 2**61 - 1 where the sum reaches that. The low 32 bits of lo + hi are those of
        # x + hi; where the sum reaches 2**61 - 1 they are one less than the right ones, and
        # 0xFFFFFFFF or at most 6: a batch where any is, is permuted again datasketch's way.
        permuted = values * a
        permuted += b
        permuted += permuted >> np.uint64(61)
        permuted &= _MAX_HASH
        least = permuted.min(axis=0)
        if least.min() <= 6 or permuted.max() == _MAX_HASH:
            least = _permuted_minimum(values, a, b)
        np.minimum(signature, least, out=signature)
    return signature.astype(np.uint32)


def fingerprint(text: str) -> tuple[bytes, bytes]:
    """The MinHash signature of ``text`` and its shingle hashes, as bytes (little-endian
    ``uint32``); both empty for a text without words."""
    hashes = shingle_hashes(text)
    if not hashes.size:
        return b"", b""
    return minhash_signature(hashes).astype("<u4").tobytes(), hashes.astype("<u4").tobytes()


def from_bytes(data: bytes) -> npt.NDArray[np.uint32]:
    """A signature or a set of shingle hashes from the bytes :func:`fingerprint` made."""
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def overlap(one: Hashes, other: Hashes) -> tuple[float, float]:
    """Jaccard similarity and containment of two sets of shingle hashes.

    Containment is the share of the smaller set found in the other: ``|A ∩ B| / min(|A|,
    |B|)``. Two empty sets share nothing.
    """
    if not one.size or not other.size:
        return 0.0, 0.0
    small, large = (one, other) if one.size <= other.size else (other, one)
    # Both are sorted: look each hash of the smaller set up in the larger.
    found = np.searchsorted(large, small).clip(max=large.size - 1)
    shared = int(np.count_nonzero(large[found] == small))
    return shared / (one.size + other.size - shared), shared / min(one.size, other.size)
