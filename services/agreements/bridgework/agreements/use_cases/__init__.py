"""Agreements' use cases: each one transaction that reads or changes repairs and stores their
events in the outbox, returning a typed result.

A repair is changed under a row lock (`SELECT … FOR UPDATE`), so two consents arriving
together cannot both miss that they were the last ones needed. The consumers' use cases run
in the transaction the batch consumer opened for the batch and its inbox claims.
"""
