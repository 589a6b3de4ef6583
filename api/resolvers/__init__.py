"""Thin resolvers: read the context, call one domain function, convert the result."""
