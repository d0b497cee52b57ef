-- A department's mapping of one tool's fields to an incident (mapping.py ToolMapping).
CREATE TABLE tool_mappings (
    department  text        NOT NULL,
    tool        text        NOT NULL,
    mapping     jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (department, tool)
);
