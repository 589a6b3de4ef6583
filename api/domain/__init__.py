"""Business rules: plain async functions over an AsyncSession. No GraphQL or HTTP imports here."""
