"""Intake: the front door where departments' tools report incidents."""
