"""Microsoft.Insights: where resources send their logs.

- :mod:`diagnostic_settings` — a resource's diagnostic settings (which categories, which workspace);
- :mod:`data_collection` — data collection rules and their associations (Container insights).
"""
