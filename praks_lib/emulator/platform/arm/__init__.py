"""Azure Resource Manager conventions, in one place, for every provider.

- :mod:`errors` — :class:`~errors.ArmError` (the transport answers ``{"error": {"code", "message"}}``),
  ARM's own 400s and 404s and their messages, :class:`~errors.NotEmulated` for what Azure does and
  the emulator does not (any other exception in a handler is answered 500 ``InternalServerError``).
- :mod:`operations` — long-running operations: a PUT/DELETE (or a POST action) answers with an
  ``Azure-AsyncOperation`` header (and ``Location`` on DELETE) pointing at
  ``/subscriptions/<sub>/providers/<namespace>/locations/<loc>/operations/<id>``. Each poll answers
  ``{"status": "InProgress"}`` until the operation's polls are used up, then ``Succeeded`` (or
  ``Failed`` with an error). Polls never carry ``Retry-After``. Every URL a header points at is
  built there.
- :mod:`resources` — create-or-update for a :class:`~resources.ResourceType`: PUT answers 201 on
  create and 200 on update; re-PUT of the same body changes nothing (same etag). GET answers the
  resource, LIST ``{"value": [...]}``, DELETE of a missing resource 204. While an operation is in
  progress the resource shows ``provisioningState`` = ``in_progress_state``.

Resource ids are the shared layer's :class:`praks_lib.azure.ids.ResourceId` (stored keys are
lower-cased, names keep the casing of the request that created them); deterministic GUIDs and etags
come from :func:`praks_lib.emulator.platform.stable_ids.stable_uuid`.

Adding a resource type: subclass :class:`~resources.ResourceType`, set ``type`` (and ``polls``
etc.), override :meth:`~resources.ResourceType.build` (validate the request, return the body to
store) and, if needed, ``view`` / ``before_delete``; then ``routes.resource(MyType())`` on the
provider's :class:`~resources.ArmRoutes`.
"""
