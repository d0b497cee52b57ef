"""Each GraphQL query's and mutation's latency in the metrics, by operation type and outcome.

Operation names are chosen by clients, so they are not a label (each would be a time
series kept forever); the type is one of a few and the outcome one of two. A subscription
is not timed: its operation lasts as long as the client listens.
"""

from __future__ import annotations

from collections.abc import Iterator
from time import perf_counter

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from bridgework.common.metrics import GRAPHQL_OPERATION_SECONDS


class OperationTiming(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = perf_counter()
        raised = True  # strawberry throws a syntax error into this generator
        try:
            yield
            raised = False
        finally:
            self._observe(perf_counter() - started, raised=raised)

    def _observe(self, seconds: float, *, raised: bool) -> None:
        context = self.execution_context
        if context.graphql_document is None:
            GRAPHQL_OPERATION_SECONDS.labels("unparsed", "error").observe(seconds)
            return
        try:
            operation: str = context.operation_type.value
        except Exception:  # no operation of the name asked for in the document
            operation = "unknown"
        if operation == OperationType.SUBSCRIPTION.value:
            return
        result = context.result
        failed = (
            raised
            or operation == "unknown"
            or bool(context.pre_execution_errors or (result is not None and result.errors))
        )
        GRAPHQL_OPERATION_SECONDS.labels(operation, "error" if failed else "ok").observe(seconds)
