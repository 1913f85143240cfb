"""Locality-sensitive hashing over MinHash signatures, kept compact in memory.

A signature of ``bands × rows`` values is cut into ``bands`` bands of ``rows`` values; two
signatures are candidates when they agree on a whole band, which happens with probability
``1 - (1 - J**rows)**bands`` for texts of Jaccard similarity ``J``. :func:`lsh_params` picks
``bands`` and ``rows`` for a threshold as datasketch's ``MinHashLSH`` does (least weighted
area of false positives and false negatives).

:class:`BandIndex` is that index, stored as sorted arrays of 64-bit band keys with the
position of each key's article: 12 bytes per band per article, about 1.5 kB per article with
128 bands. (datasketch's ``MinHashLSH`` keeps a Python set per band key: about 40 kB per
article, and 37 s to fill with 100,000 articles.) Articles added since the last merge wait in
small dictionaries, merged into the arrays every :data:`MERGE_EVERY` additions. The bands are
kept in :data:`GROUPS` groups of arrays, merged one group after the other, so that a merge
holds a copy of an eighth of the index at most, not of all of it (146 MiB at 100,000
articles): about 0.13 of the index's size beyond it at the peak, rather than 1.07.
"""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import numpy.typing as npt

MERGE_EVERY = 1024
"""Articles added to the dictionaries of recent keys before they are merged into the arrays."""

GROUPS = 8
"""Groups of bands, each with its own sorted arrays: a merge copies one group's arrays at a
time, and a look-up searches each group once."""

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_BAND_SALT = np.uint64(0xC2B2AE3D27D4EB4F)


def lsh_params(
    threshold: float, num_perm: int, weights: tuple[float, float] = (0.5, 0.5)
) -> tuple[int, int]:
    """``(bands, rows)`` for finding pairs of Jaccard similarity above ``threshold``.

    The choice of datasketch's ``MinHashLSH``: the least ``weights``-weighted sum of the
    probability of a pair below the threshold being a candidate and of one above it not.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"the LSH threshold must be between 0 and 1, not {threshold}")
    below = np.linspace(0.0, threshold, 401)
    above = np.linspace(threshold, 1.0, 401)
    best, choice = float("inf"), (1, 1)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = np.trapezoid(1 - (1 - below**rows) ** bands, below)
            false_negative = np.trapezoid((1 - above**rows) ** bands, above)
            error = weights[0] * false_positive + weights[1] * false_negative
            if error < best:
                best, choice = float(error), (bands, rows)
    return choice


def candidate_probability(jaccard: float, bands: int, rows: int) -> float:
    """The probability that two texts of this Jaccard similarity share a band."""
    return float(1 - (1 - jaccard**rows) ** bands)


class BandIndex:
    """Which stored articles share a band with a signature.

    :param bands: bands per signature.
    :param rows: values per band; a signature has at least ``bands × rows`` values.
    """

    def __init__(self, bands: int, rows: int) -> None:
        self.bands = bands
        self.rows = rows
        # Each group holds consecutive bands; their sizes differ by one at most.
        groups = np.array_split(np.arange(bands), min(GROUPS, bands))
        self._group_bands = [slice(int(group[0]), int(group[-1]) + 1) for group in groups]
        self._group_of_band = [number for number, group in enumerate(groups) for _ in group]
        self._ids: list[str] = []
        self._position: dict[str, int] = {}
        self._keys = [np.empty(0, dtype=np.uint64) for _ in groups]
        self._owners = [np.empty(0, dtype=np.uint32) for _ in groups]
        self._recent: list[dict[int, list[int]]] = [{} for _ in groups]
        self._recent_count = 0

    def __len__(self) -> int:
        return len(self._position)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._position

    def keys(self, signatures: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
        """The band keys of a signature (or of each row of an array of signatures): a 64-bit
        hash of each band's values and its number, so that equal values in different bands
        never match."""
        needed = self.bands * self.rows
        if signatures.shape[-1] < needed:
            raise ValueError(f"a signature of {signatures.shape[-1]} values has no {needed}")
        values = signatures[..., :needed].astype(np.uint64)
        values = values.reshape(*signatures.shape[:-1], self.bands, self.rows)
        keys = np.arange(self.bands, dtype=np.uint64) * _BAND_SALT
        with np.errstate(over="ignore"):
            for column in range(self.rows):
                keys = (keys ^ values[..., column]) * _MULTIPLIER
                keys ^= keys >> np.uint64(29)
        return keys

    def add(self, article_id: str, signature: npt.NDArray[np.uint32]) -> None:
        """Index an article's signature, in place of the one it had."""
        self.remove(article_id)
        position = len(self._ids)
        self._ids.append(article_id)
        self._position[article_id] = position
        for group, key in zip(self._group_of_band, self.keys(signature).tolist(), strict=True):
            self._recent[group].setdefault(key, []).append(position)
        self._recent_count += 1
        if self._recent_count >= MERGE_EVERY:
            self._merge()

    def add_all(self, article_ids: list[str], signatures: npt.NDArray[np.uint32]) -> None:
        """Index many articles at once (at start, their stored signatures).

        :param signatures: one row per article of ``article_ids``.
        """
        for article_id in article_ids:
            self.remove(article_id)
        self._merge()
        first = len(self._ids)
        self._ids.extend(article_ids)
        self._position.update((article_id, first + n) for n, article_id in enumerate(article_ids))
        keys = self.keys(signatures)
        positions = np.arange(first, len(self._ids), dtype=np.uint32)
        for group, bands in enumerate(self._group_bands):
            width = bands.stop - bands.start
            self._insert(group, keys[:, bands].ravel(), np.repeat(positions, width))

    def remove(self, article_id: str) -> None:
        """Forget an article (its keys stay, pointing at a position no longer in use)."""
        position = self._position.pop(article_id, None)
        if position is not None:
            self._ids[position] = ""

    def _merge(self) -> None:
        for group, recent in enumerate(self._recent):
            if not recent:
                continue
            # Straight into arrays: a list of (key, owner) pairs would hold several MiB at once.
            counts = np.fromiter(map(len, recent.values()), dtype=np.intp)
            keys = np.repeat(np.fromiter(recent, dtype=np.uint64, count=counts.size), counts)
            owners = np.fromiter(
                itertools.chain.from_iterable(recent.values()), dtype=np.uint32, count=keys.size
            )
            self._recent[group] = {}
            self._insert(group, keys, owners)
        self._recent_count = 0

    def _insert(
        self, group: int, keys: npt.NDArray[np.uint64], owners: npt.NDArray[np.uint32]
    ) -> None:
        """Merge keys and their owners into one group's sorted arrays."""
        order = np.argsort(keys, kind="stable")
        keys, owners = keys[order], owners[order]
        if not self._keys[group].size:
            self._keys[group], self._owners[group] = keys, owners
            return
        at = np.searchsorted(self._keys[group], keys, side="right")
        self._keys[group] = np.insert(self._keys[group], at, keys)
        self._owners[group] = np.insert(self._owners[group], at, owners)

    def query(self, signature: npt.NDArray[np.uint32]) -> Counter[str]:
        """The indexed articles sharing a band with ``signature``, each with the number of
        bands it shares (more bands: a higher Jaccard similarity, most likely)."""
        keys = self.keys(signature)
        # Counted once, at the end: a Counter's update costs more than a list's extend.
        positions: list[int] = []
        for group, bands in enumerate(self._group_bands):
            sorted_keys, owners = self._keys[group], self._owners[group]
            low = np.searchsorted(sorted_keys, keys[bands], side="left")
            high = np.searchsorted(sorted_keys, keys[bands], side="right")
            matched = high > low
            for start, end in zip(low[matched].tolist(), high[matched].tolist(), strict=True):
                positions.extend(owners[start:end].tolist())
        recent = self._recent
        for group, key in zip(self._group_of_band, keys.tolist(), strict=True):
            if owners_of_key := recent[group].get(key):
                positions.extend(owners_of_key)
        found = Counter(positions)
        shared: Counter[str] = Counter()
        for position, count in found.items():
            article_id = self._ids[position]
            if article_id:
                shared[article_id] += count
        return shared

    def memory_bytes(self) -> int:
        """Bytes held by the merged arrays (the recent dictionaries aside)."""
        return sum(
            int(keys.nbytes + owners.nbytes)
            for keys, owners in zip(self._keys, self._owners, strict=True)
        )
