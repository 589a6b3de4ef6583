"""Analytics: rollups kept with the ledgers, their rebuild, and the KPIs read from them."""
