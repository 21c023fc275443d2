"""What each stage applies: one module per stage, each with idempotent ensure_* functions returning
Change records, and the reads they need. What a notebook shows of it is in praks_lib.stages."""
