"""Microsoft.Authorization: role assignments at any scope, built-in role definitions, and the
permission check other providers use.

- :mod:`roles` — the built-in role catalog (data: ``data/built-in-roles.yaml``, with its source);
- :mod:`permissions` — the permission engine (:func:`~permissions.has_permission`,
  :func:`~permissions.missing_permissions`), as Azure's authorization answers;
- :mod:`handlers` — the HTTP API: role assignments and role definitions.

Azure behaviours kept:
- A role assignment is an extension resource: ``<scope>/providers/Microsoft.Authorization/
  roleAssignments/<guid>``, where the scope is a subscription, a resource group or any resource
  (a subnet, a route table). The scope must exist (``ResourceGroupNotFound`` / ``ResourceNotFound``).
- The role must be a known role definition (``RoleDefinitionDoesNotExist``), the principal must be
  in the directory (``PrincipalNotFound``), the name must be a GUID (``InvalidRoleAssignmentId``).
- The same principal, role and scope under another name: 409 ``RoleAssignmentExists``. An existing
  assignment cannot be changed (``RoleAssignmentUpdateNotPermitted``); re-sending it is a no-op.
- Listing at a scope returns the assignments at, above and below it; ``$filter=atScope()`` keeps
  those at and above, ``principalId eq '<id>'`` / ``assignedTo('<id>')`` one principal's.
- Assignments go away with their scope (a deleted group or resource), not with their principal.
- Only built-in roles exist (no custom roles); their permissions follow Azure's definitions, so
  the permission check answers as Azure's authorization would: an assignment at a scope applies
  to everything below it, ``actions`` minus ``notActions``, ``*`` wildcards, case-insensitive.
"""

