"""The gateway's write side: folds incidents, repairs and follow-ups into the read model."""
