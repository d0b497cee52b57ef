"""Our key partitioner must pick exactly the partition Kafka's default partitioner picks."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as reference_murmur2
from hypothesis import given
from hypothesis import strategies as st

from bridgework.common.partitioning import murmur2, partition_for_key


@given(st.binary(max_size=200))
def test_murmur2_equals_the_reference_implementation(data: bytes) -> None:
    assert murmur2(data) == reference_murmur2(data) & 0xFFFFFFFF


@given(st.binary(min_size=1, max_size=64), st.integers(min_value=1, max_value=64))
def test_a_key_lands_where_the_default_partitioner_puts_it(key: bytes, count: int) -> None:
    partitions = list(range(count))

    assert partition_for_key(key, partitions, partitions) == DefaultPartitioner()(
        key, partitions, partitions
    )


def test_known_values_from_the_java_client() -> None:
    # Utils.murmur2 in Apache Kafka's clients, as its own unit test pins them.
    assert murmur2(b"21") & 0x7FFFFFFF == (-973932308 & 0x7FFFFFFF)
    assert murmur2(b"") == (275646681 & 0xFFFFFFFF)


def test_a_keyless_record_goes_to_the_first_partition() -> None:
    assert partition_for_key(None, [0, 1, 2], [1, 2]) == 0
