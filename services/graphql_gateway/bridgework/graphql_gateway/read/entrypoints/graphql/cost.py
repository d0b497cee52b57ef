"""A query's estimated cost, and the validation rule that refuses one over the limit.

Each field costs 1; a field's selection counts once per item it may return: `first` items
for a paged field (its default when absent, the page-size cap at most; a variable counts
as the cap, since validation is cached per document, not per variables), LIST_ITEMS for
any other list of objects; a page's own list (`edges`) counts through its `first` only.
Nested lists multiply; aliases and fragments count each time they are used. A list of
scalars is one value. Introspection fields count 1: whether they may run at all is
introspection's own setting.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from graphql.language import FragmentDefinitionNode

# What an unpaged list of objects counts as: a repair's own incidents, commitments or
# check-ins are a handful, a trend a few dozen points (the page-size cap, 100, would make
# one repair with its nested lists cost as much as a hundred plain repairs).
LIST_ITEMS = 10

# Far deeper than the depth limit allows; only a query the depth rule refuses gets here.
MAX_NESTING = 64


class _Estimate:
    """One operation's cost, walked through the schema's types."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        *,
        page_size: int,
        list_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.page_size = page_size
        self.list_size = list_size

    def selection(
        self,
        parent: Any,
        selection_set: SelectionSetNode | None,
        *,
        paged: bool,
        nesting: int,
        spreads: frozenset[str] = frozenset(),
    ) -> float:
        """The cost of a selection on `parent`; `paged`: it is a page whose size is counted."""
        if selection_set is None:
            return 0
        if nesting > MAX_NESTING:
            return float("inf")
        total = 0.0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(parent, node, paged=paged, nesting=nesting, spreads=spreads)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                on = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection(
                    on or parent, node.selection_set, paged=paged, nesting=nesting, spreads=spreads
                )
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in spreads:
                    continue  # unknown or cyclic: other rules refuse the document
                on = self.schema.get_type(fragment.type_condition.name.value) or parent
                total += self.selection(
                    on,
                    fragment.selection_set,
                    paged=paged,
                    nesting=nesting,
                    spreads=spreads | {name},
                )
        return total

    def field(
        self, parent: Any, node: FieldNode, *, paged: bool, nesting: int, spreads: frozenset[str]
    ) -> float:
        """1 for the field, plus its selection once per item it may return."""
        name = node.name.value
        fields = getattr(parent, "fields", None)
        definition = fields.get(name) if fields and not name.startswith("__") else None
        if definition is None:
            return 1
        output = definition.type
        if isinstance(output, GraphQLNonNull):
            output = output.of_type
        is_list = isinstance(output, GraphQLList)
        has_first = "first" in definition.args
        if has_first:
            items = self.first(node, definition.args["first"].default_value)
        elif is_list and not paged:
            items = self.list_size
        else:
            items = 1
        named = get_named_type(definition.type)
        if not isinstance(named, GraphQLObjectType) and not node.selection_set:
            return 1  # a scalar, or a list of scalars: one value to read
        below = self.selection(
            named, node.selection_set, paged=has_first, nesting=nesting + 1, spreads=spreads
        )
        return 1 + items * below

    def first(self, node: FieldNode, default: Any) -> int:
        """The page size a field asks for: its literal `first`, else its default, capped."""
        for argument in node.arguments or ():
            if argument.name.value == "first":
                value = argument.value
                if isinstance(value, IntValueNode):
                    return max(0, min(int(value.value), self.page_size))
                if isinstance(value, VariableNode):
                    return self.page_size
        if isinstance(default, int):
            return min(default, self.page_size)
        return self.page_size


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    *,
    page_size: int,
    list_size: int = LIST_ITEMS,
) -> float:
    """The estimated cost of one operation of a document."""
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    estimate = _Estimate(schema, fragments, page_size=page_size, list_size=list_size)
    return estimate.selection(root, operation.selection_set, paged=False, nesting=0)


def cost_limit_rule(max_cost: int, page_size: int) -> type[ValidationRule]:
    """A graphql-core validation rule refusing operations that cost over `max_cost`."""

    class CostLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            self.fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = operation_cost(self.context.schema, node, self.fragments, page_size=page_size)
            if cost > max_cost:
                shown = "too many" if cost == float("inf") else f"{cost:,.0f}"
                self.report_error(
                    GraphQLError(
                        f"'{node.name.value if node.name else 'anonymous'}' would cost {shown} "
                        f"points, over the limit of {max_cost:,}: ask for smaller pages "
                        "(`first`) or fewer nested lists",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY"},
                    )
                )

    return CostLimit
