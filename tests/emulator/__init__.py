"""The emulator's tests, laid out like ``praks_lib/emulator``: ``platform/``, ``world/`` (with
``kubernetes/``), ``providers/`` (``test_<provider package>_<module>.py``), ``test_service.py`` for the
facade, and ``fidelity/``: responses shaped like Microsoft's REST examples in ``tests/fixtures/``.
``aks_world`` and ``monitoring_world`` build the clouds several of them share (imported relatively)."""
