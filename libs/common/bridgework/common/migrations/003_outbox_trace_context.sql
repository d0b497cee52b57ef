-- The W3C trace context (traceparent, tracestate) of the work that wrote an outgoing event;
-- the relay puts it in the Kafka record's headers (libs/common tracing.py). NULL: none.
-- Nullable without a default: adding it rewrites nothing, whatever the outbox holds.
ALTER TABLE outbox ADD COLUMN trace_context jsonb;
