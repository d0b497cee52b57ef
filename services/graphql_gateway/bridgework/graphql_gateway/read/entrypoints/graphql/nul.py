"""The validation rule that refuses U+0000 in a document's string values, naming the argument.

Postgres cannot store or compare U+0000: a department filter holding one failed in SQL and
answered "Unexpected error.". Variables travel as JSON, which common's request limits refuse
first (a 422 naming the variable); a literal written in the document is refused here.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ArgumentNode,
    GraphQLError,
    ObjectFieldNode,
    StringValueNode,
    ValidationRule,
    VariableDefinitionNode,
)

from bridgework.common.contracts.nul import NUL, NUL_REFUSED

NAMED = (ArgumentNode, ObjectFieldNode, VariableDefinitionNode)


def _name(node: ArgumentNode | ObjectFieldNode | VariableDefinitionNode) -> str:
    if isinstance(node, VariableDefinitionNode):
        return f"${node.variable.name.value}"  # its default value holds the NUL
    return node.name.value


class NoNulCharacters(ValidationRule):
    """Refuse a string value holding U+0000, naming its argument (and input fields) path."""

    def enter_string_value(
        self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any
    ) -> None:
        if NUL not in node.value:
            return
        # `ancestors` leaves out the parent: the argument (or input field) itself, usually.
        lineage = [*ancestors, parent]
        names = [_name(a) for a in lineage if isinstance(a, NAMED)]
        where = ".".join(names) or "a string value"
        extensions = {"code": "BAD_USER_INPUT"}
        self.report_error(GraphQLError(f"{where}: {NUL_REFUSED}", node, extensions=extensions))
