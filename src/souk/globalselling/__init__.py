"""Global selling: marketplaces a seller sells in, converted offers, languages, time zones."""
