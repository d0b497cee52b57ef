"""The Grafana dashboard and the Prometheus alerts name only metrics and labels the services
export (libs/common/bridgework/common/metrics.py), so neither can drift from the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from bridgework.common import metrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "observability"
# A series name as PromQL spells it: the metric's name and what the exposition adds to it.
SERIES = re.compile(r"\b(bridgework_[a-z0-9_]+?)(_total|_bucket|_sum|_count)?\b(\{[^}]*\})?")
BY_LABELS = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
SELECTOR_LABEL = re.compile(r"([a-z_]+)\s*(?:=~|!~|!=|=)")
# Labels Prometheus adds or PromQL makes, besides the metric's own.
NOT_THE_METRICS_OWN = {"le", "job", "instance"}


def defined() -> dict[str, MetricWrapperBase]:
    found = {}
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            found[value._name] = value
    return found


def label_names(metric: MetricWrapperBase) -> set[str]:
    return set(metric._labelnames)


def alert_expressions() -> list[tuple[str, str]]:
    rules = yaml.safe_load((DEPLOY / "alerts.yaml").read_text())
    return [(r["alert"], r["expr"]) for group in rules["groups"] for r in group["rules"]]


def dashboard_expressions() -> list[tuple[str, str]]:
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    return [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", ())
    ]


def problems_in(expression: str) -> list[str]:
    """Every metric or label `expression` names that the services do not export."""
    known = defined()
    problems: list[str] = []
    named: list[MetricWrapperBase] = []
    for name, _suffix, selector in SERIES.findall(expression):
        metric = known.get(name)
        if metric is None:
            problems.append(f"no metric {name}")
            continue
        named.append(metric)
        wrong = set(SELECTOR_LABEL.findall(selector)) - label_names(metric) - NOT_THE_METRICS_OWN
        problems += [f"{name} has no label {label}" for label in sorted(wrong)]
    if named:
        labels = set().union(*(label_names(m) for m in named)) | NOT_THE_METRICS_OWN
        for group in BY_LABELS.findall(expression):
            for label in filter(None, (part.strip() for part in group.split(","))):
                if label not in labels:
                    problems.append(f"no metric here has the label {label}")
    return problems


def test_the_alert_rules_parse_and_cover_what_operators_must_hear_about() -> None:
    alerts = dict(alert_expressions())

    assert {
        "BridgeworkServiceDown",
        "BridgeworkConsumerLagGrowing",
        "BridgeworkDeadLetters",
        "BridgeworkOutboxStuck",
        "BridgeworkHttpErrors",
        "BridgeworkNudgesFailing",
    } <= alerts.keys()


@pytest.mark.parametrize("source", [alert_expressions, dashboard_expressions])
def test_every_metric_and_label_named_is_one_the_services_export(source: object) -> None:
    expressions = source()  # type: ignore[operator]
    assert expressions
    problems = {where: found for where, expr in expressions if (found := problems_in(expr))}

    assert problems == {}


def test_the_dashboard_shows_every_metric() -> None:
    shown = " ".join(expr for _, expr in dashboard_expressions())

    missing = [name for name in defined() if name not in shown]

    assert missing == []


def test_the_drift_check_itself_catches_a_wrong_name_and_a_wrong_label() -> None:
    assert problems_in("rate(bridgework_consumer_events_aplied_total[5m])") == [
        "no metric bridgework_consumer_events_aplied"
    ]
    assert problems_in('bridgework_consumer_lag_records{person="p-1"}') == [
        "bridgework_consumer_lag_records has no label person"
    ]
    assert problems_in("sum by (route) (bridgework_consumer_lag_records)") == [
        "no metric here has the label route"
    ]
