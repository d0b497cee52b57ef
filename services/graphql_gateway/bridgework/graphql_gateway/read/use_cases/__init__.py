"""The read side's use cases: every read (with its scope check) and every forwarded change."""
