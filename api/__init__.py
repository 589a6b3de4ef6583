"""The Chainstore API: GraphQL over Starlette, the CLI, and the domain rules under api.domain."""
