"""GraphQL execution with a short path for plain values (same answers, less CPU).

The dashboard page's query resolves about a thousand fields, most of them scalars read
straight off plain objects (a trend point's `start`, its `modes { with to for not pending }`,
every department pair's counts). For each, graphql-core builds a path, strawberry's
resolve info, the argument lookup, complete_value's chain of type checks, then the same
again one level down for every object in a list (docs/gateway.md has the figures).

A selected field is *plain* when strawberry itself treats it as basic (no resolver, no
field extension: it reads an attribute), it takes no arguments, and its type is a scalar,
an enum, a list of plain values, or an object type without `is_type_of` whose selected
fields are all plain (collected by graphql-core itself, so fragments and @skip/@include
count as usual; any @defer disqualifies). With no resolve middleware, a plain value is
completed by one precompiled loop: read the attribute, coerce the scalar, recurse.

Anything unusual (an attribute raises, a null where none is allowed, a value a scalar
refuses, a list that is not a list or tuple) abandons the short path for that value and
completes it graphql-core's ordinary way from the start (plain fields only read
attributes, so reading them again changes nothing): errors, their paths and messages are
exactly graphql-core's. tests/unit/test_gateway_execution.py compares both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from math import isfinite
from operator import attrgetter
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLFloat,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

_LEAF, _LIST, _OBJECT = 0, 1, 2
# A plan completes one value: (kind, how). Leaf: the coercion. List: the items' plan and
# whether an item may be null. Object: per selected field (response name, reader, may it
# be null, its plan).
Plan = tuple[int, Any]
FieldPlan = tuple[str, Callable[[Any], Any], bool, Plan]


class _Unusual(Exception):  # noqa: N818 - a signal, not an error
    """The short path cannot complete this value: graphql-core's path will."""


def _coerce_int(value: Any) -> Any:
    if type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT:
        return value
    return GraphQLInt.coerce_output_value(value)


def _coerce_float(value: Any) -> Any:
    if type(value) is float and isfinite(value):
        return value
    return GraphQLFloat.coerce_output_value(value)


def _coerce_string(value: Any) -> Any:
    return value if type(value) is str else GraphQLString.coerce_output_value(value)


# The built-in scalars' coercion with their commonest case first (same results).
_COERCE: dict[GraphQLLeafType, Callable[[Any], Any]] = {
    GraphQLInt: _coerce_int,
    GraphQLFloat: _coerce_float,
    GraphQLString: _coerce_string,
}


def _reader(field: StrawberryField) -> Callable[[Any], Any]:
    """What strawberry's basic resolver does: its default resolver on the python name."""
    if field.default_resolver is getattr:
        return attrgetter(field.python_name)
    return lambda source: field.get_result(source, None, [], {})


def _complete(plan: Plan, value: Any) -> Any:
    """The completed value (never null: callers deal with null first), or _Unusual."""
    kind, how = plan
    if isinstance(value, BaseException):
        raise _Unusual
    if kind == _LEAF:
        coerced = how(value)
        if coerced is None or coerced is Undefined:
            raise _Unusual
        return coerced
    if kind == _OBJECT:
        result: dict[str, Any] = {}
        for response_name, read, nullable, field_plan in how:
            field_value = read(value)
            if field_value is None:
                if not nullable:
                    raise _Unusual
                result[response_name] = None
            else:
                result[response_name] = _complete(field_plan, field_value)
        return result
    if type(value) is not list and type(value) is not tuple:
        raise _Unusual
    item_plan, items_nullable = how
    completed: list[Any] = []
    for item in value:
        if item is None:
            if not items_nullable:
                raise _Unusual
            completed.append(None)
        else:
            completed.append(_complete(item_plan, item))
    return completed


class GatewayExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core makes one per request: the plans live as long as the field lists they
    are keyed by (graphql-core memoises those per request, and the plans hold them)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[int, int], tuple[Any, Any, Plan | None]] = {}
        self._field_plans: dict[int, tuple[Any, GraphQLObjectType, FieldPlan | None]] = {}
        manager = self.middleware_manager
        self._plain_resolvers = manager is None or manager.get_field_resolver(len) is len

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        cached = self._field_plans.get(id(field_details_list))
        if cached is None or cached[1] is not parent_type:
            plan = self._field_plan(parent_type, field_details_list)
            self._field_plans[id(field_details_list)] = (field_details_list, parent_type, plan)
        else:
            plan = cached[2]
        if plan is not None:
            _, read, nullable, value_plan = plan
            try:
                value = read(source)
                if value is None:
                    if nullable:
                        return None
                else:
                    return _complete(value_plan, value)
            except Exception:  # noqa: S110 - graphql-core's path below reports it properly
                pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """A resolver's value (the dashboard's lists): the short path when it is plain."""
        if result is not None:
            key = (id(return_type), id(field_details_list))
            cached = self._plans.get(key)
            if cached is None:
                plan = self._value_plan(return_type, field_details_list)[0]
                self._plans[key] = (return_type, field_details_list, plan)
            else:
                plan = cached[2]
            if plan is not None:
                try:
                    return _complete(plan, result)
                except Exception:  # noqa: S110 - graphql-core's path below reports it properly
                    pass
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _field_plan(
        self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> FieldPlan | None:
        """How to read and complete a plain field, or None."""
        if not self._plain_resolvers:
            return None
        node = field_details_list[0].node
        definition = self.schema.get_field(parent_type, node.name.value)
        if definition is None or definition.args or node.arguments:
            return None
        field = (definition.extensions or {}).get("strawberry-definition")
        if not isinstance(field, StrawberryField) or not field.is_basic_field:
            return None
        plan, nullable = self._value_plan(definition.type, field_details_list)
        if plan is None:
            return None
        return (node.name.value, _reader(field), nullable, plan)

    def _value_plan(
        self, return_type: GraphQLOutputType, field_details_list: FieldDetailsList
    ) -> tuple[Plan | None, bool]:
        """How to complete a non-null value of this type (None: not plain), and whether
        the type allows null."""
        nullable = not isinstance(return_type, GraphQLNonNull)
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if is_leaf_type(named):
            assert isinstance(named, GraphQLLeafType)
            return (_LEAF, _COERCE.get(named, named.coerce_output_value)), nullable
        if isinstance(named, GraphQLList):
            item_plan, items_nullable = self._value_plan(named.of_type, field_details_list)
            if item_plan is None:
                return None, nullable
            return (_LIST, (item_plan, items_nullable)), nullable
        if not self._plain_resolvers or not isinstance(named, GraphQLObjectType):
            return None, nullable
        if named.is_type_of is not None:
            return None, nullable
        grouped_field_set, new_defer_usages = self.collect_subfields(named, field_details_list)[:2]
        if new_defer_usages:
            return None, nullable
        fields: list[FieldPlan] = []
        for response_name, sub_fields in grouped_field_set.items():
            field_plan = self._field_plan(named, sub_fields)
            if field_plan is None:
                return None, nullable
            fields.append((response_name, *field_plan[1:]))
        return (_OBJECT, tuple(fields)), nullable
