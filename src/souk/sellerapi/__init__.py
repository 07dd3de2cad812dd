"""The seller API: an SP-API-compatible subset for sellers' own software."""
