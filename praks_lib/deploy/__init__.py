"""One module per stage; each exposes idempotent ensure_* functions returning Change records."""
