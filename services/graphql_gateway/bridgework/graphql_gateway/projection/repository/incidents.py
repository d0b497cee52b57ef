"""Incidents in the read model: what the projection loads of them, and how it saves them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from bridgework.common.contracts import IncidentReportedV1, IncidentUpdatedV1
from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.projection.domain.contributions import IncidentSummary
from bridgework.graphql_gateway.projection.domain.state import IncidentState
from bridgework.graphql_gateway.projection.repository.locks import id_list

Row = tuple[Any, ...]


async def load_incidents(
    connection: Connection, incident_ids: Sequence[UUID], *, with_state: Iterable[UUID] = ()
) -> tuple[dict[UUID, IncidentState], dict[UUID, IncidentSummary]]:
    """What a repair's numbers need of each of `incident_ids` (those stored), and the whole
    state of those of them in `with_state` (the batch's own, to fold into). One round trip;
    the people's ids are picked out of the JSON by Postgres."""
    if not incident_ids:
        return {}, {}
    rows = await connection.fetch(
        "SELECT i.incident_id, i.reported_at,"
        " ARRAY(SELECT p->>'person_id' FROM jsonb_array_elements(responsible || affected_people)"
        " AS p) AS named, i.revision, CASE WHEN s.id IS NOT NULL THEN i.facts END AS facts"
        # A join, not `= ANY(...)` in the select list: that parsed the id list once per row.
        " FROM incidents AS i LEFT JOIN unnest(string_to_array($2, ',')::uuid[]) AS s(id)"
        " ON s.id = i.incident_id WHERE i.incident_id = ANY(string_to_array($1, ',')::uuid[])",
        id_list(incident_ids),
        id_list(with_state),
    )
    states: dict[UUID, IncidentState] = {}
    summaries: dict[UUID, IncidentSummary] = {}
    for incident_id, reported_at, named, revision, facts in rows:
        summaries[incident_id] = IncidentSummary(reported_at, frozenset(named))
        if facts is not None:
            model = IncidentUpdatedV1 if revision > 1 else IncidentReportedV1
            states[incident_id] = IncidentState(incident_id, revision, model.model_validate(facts))
    return states, summaries


def _incident_row(state: IncidentState) -> Row:
    f = state.facts
    return (
        f.incident_id,
        f.department,
        f.category.value,
        f.severity.value,
        f.summary,
        f.occurred_at,
        f.reported_at,
        f.source.tool,
        f.source.reference,
        state.revision,
        f.response_mode.value if f.response_mode else None,
        ",".join(f.affected_departments),  # slugs hold no comma
        f.source.url,
        f.updated_at if isinstance(f, IncidentUpdatedV1) else None,
        # The whole facts as JSON once (pydantic's own serialiser); `responsible`,
        # `affected_people` and `answers` (without its empty answers) are cut from it there.
        f.model_dump_json(),
    )


async def save_incidents(connection: Connection, incidents: Sequence[IncidentState]) -> None:
    """Upsert the incidents' latest revisions, in one statement."""
    if not incidents:
        return
    rows = {state.incident_id: _incident_row(state) for state in incidents}
    await connection.execute(
        "INSERT INTO incidents (incident_id, department, category, severity, summary,"
        " occurred_at, reported_at, source_tool, source_ref, revision, response_mode,"
        " affected_departments, responsible, affected_people, answers, source_url, updated_at,"
        " facts)"
        " SELECT incident_id, department, category, severity, summary, occurred_at,"
        " reported_at, source_tool, source_ref, revision, response_mode,"
        " string_to_array(affected_departments, ','), f->'responsible', f->'affected_people',"
        " CASE WHEN jsonb_typeof(f->'answers') = 'object'"
        " THEN jsonb_strip_nulls(f->'answers') END, source_url, updated_at, f"
        " FROM (SELECT *, facts::jsonb AS f FROM unnest($1::uuid[], $2::text[], $3::text[],"
        " $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[],"
        " $10::int[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::text[])"
        " AS t(incident_id, department, category, severity, summary, occurred_at, reported_at,"
        " source_tool, source_ref, revision, response_mode, affected_departments, source_url,"
        " updated_at, facts)) AS batch"
        " ON CONFLICT (incident_id) DO UPDATE SET department = EXCLUDED.department,"
        " category = EXCLUDED.category, severity = EXCLUDED.severity,"
        " summary = EXCLUDED.summary, occurred_at = EXCLUDED.occurred_at,"
        " reported_at = EXCLUDED.reported_at, source_tool = EXCLUDED.source_tool,"
        " source_ref = EXCLUDED.source_ref, revision = EXCLUDED.revision,"
        " response_mode = EXCLUDED.response_mode,"
        " affected_departments = EXCLUDED.affected_departments,"
        " responsible = EXCLUDED.responsible, affected_people = EXCLUDED.affected_people,"
        " answers = EXCLUDED.answers, source_url = EXCLUDED.source_url,"
        " updated_at = EXCLUDED.updated_at, facts = EXCLUDED.facts",
        *(list(column) for column in zip(*rows.values(), strict=True)),
    )
