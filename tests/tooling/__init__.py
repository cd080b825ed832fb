"""Tooling: import rules, biometric keys, settings layout."""
