"""Kafka's default key partitioning (murmur2, as the Java client and aiokafka do it).

The relay partitions every record it sends, so the hash reads the key as little-endian
32-bit words rather than byte by byte, and an aggregate's events reuse their key, so the
last few thousand answers are kept. The result must equal
the Java client's, or one key's events would land on two partitions when
other producers (kcat, a department's own tool) write to the same topic:
tests/unit/test_partitioning.py holds it to aiokafka's own implementation.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from functools import lru_cache

_SEED = 0x9747B28C
_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """MurmurHash2 of `data` as an unsigned 32-bit int (Kafka's seed and mixing)."""
    length = len(data)
    h = (_SEED ^ length) & _MASK
    for word in struct.unpack_from(f"<{length // 4}I", data):
        k = (word * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    tail = length & ~3
    extra = length & 3
    if extra >= 3:
        h ^= data[tail + 2] << 16
    if extra >= 2:
        h ^= data[tail + 1] << 8
    if extra >= 1:
        h ^= data[tail]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h


@lru_cache(maxsize=8192)
def partition_index(key: bytes, partitions: int) -> int:
    """Where Kafka's default partitioner puts `key` among `partitions` partitions."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def partition_for_key(key: bytes | None, all_partitions: Sequence[int], available: object) -> int:
    """An aiokafka `partitioner`: the partition Kafka's default partitioner picks for `key`.

    Every record the services publish has a key (the aggregate id); a keyless
    one goes to the first partition rather than a random one, so it stays
    reproducible.
    """
    if key is None:
        return all_partitions[0]
    return all_partitions[partition_index(key, len(all_partitions))]
