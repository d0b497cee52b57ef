"""The projection's use cases."""
