"""newsdedup: language detection, near-duplicate groups and story clustering for news streams.

The code lives in three subpackages: `newsdedup.pipelines` (options, wiring and
`run(argv)` of each command), `newsdedup.transforms` (Beam transforms over the
Beam-free core in `newsdedup.transforms.core`) and `newsdedup.schemas` (record
types and Parquet schemas).
"""
