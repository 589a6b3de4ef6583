"""Operator commands' work: backup and restore, the migration check."""
