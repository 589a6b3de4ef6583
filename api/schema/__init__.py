"""GraphQL types, inputs, payloads and directives; composed into one schema in root.py."""
