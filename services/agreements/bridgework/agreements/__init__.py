"""Agreements: repairs, the restorative conversation, consented agreements and their commitments."""
