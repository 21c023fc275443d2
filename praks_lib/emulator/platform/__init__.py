"""The emulator's platform: how requests arrive and how ARM behaves, whatever the resource.

- :mod:`transport` — the azure-core transport that hands SDK requests to the emulator in-process;
- :mod:`router` — method + path template → handler, matched as ARM matches;
- :mod:`store` — the state file shared by every process on one state folder;
- :mod:`arm` — ARM conventions: errors, long-running operations, create-or-update of any resource
  type (:mod:`arm.errors`, :mod:`arm.operations`, :mod:`arm.resources`);
- :mod:`stable_ids` — deterministic GUIDs and etags, derived from resource ids;
- :mod:`faults` — injected transient errors and failed operations.
"""
