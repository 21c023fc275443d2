"""praks: a Jupyter runbook that builds a fully private AKS cluster and proves it, on Azure or offline.

The package has three layers (DESIGN.md "Layers"; tests/test_layers.py enforces them):

- shared, at the bottom — what Azure is, with no notebooks, tables or parameter model:
  ``azure`` (Azure's facts as dated data, ids, routing), ``firewall`` (the rule engine, the AKS egress
  catalog, lint, log records) and ``errors`` (the one error family and the one Finding);
- ``emulator`` — the offline stand-in for the Azure APIs, on the shared layer only;
- the runbook — what the notebooks call: ``deployment`` and ``params`` (the parameters), ``plan``,
  ``cloud`` (the one bridge to the emulator), ``deploy`` (what each stage applies), ``stages`` (what
  each stage notebook shows: tables and verdicts), ``validate``, ``whatif``, ``diagrams``, ``ui``,
  ``runner`` and ``cli``.
"""
