"""Agreements' SQL: repairs stored whole (opening facts in columns, the workflow as jsonb),
their incidents, relationships and the confidential conversation.

Every function takes a connection and never opens a transaction. Writes take lists, so a
consumer's batch is one statement per table, not one per event.
"""
