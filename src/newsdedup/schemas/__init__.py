"""Record types (`records`) and Parquet schemas (`parquet`) of newsdedup: the one place
where they are defined.

Nothing is imported here: the articles schema takes its signal columns from the signal
registry, whose signals use the record types, so importing `records` must not import
`parquet`.
"""
