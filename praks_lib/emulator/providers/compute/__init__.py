"""Microsoft.Compute virtual machines (the jumpbox), their OS disks, and VM run command.

- :mod:`validation` — what Compute checks in a VM's create-or-update (size, image, OS profile,
  network interfaces), its codes and messages, and the profiles it keeps;
- :mod:`virtual_machines` — the VM and disk resource types and what they do to their network
  interfaces and OS disk;
- :mod:`run_command` — ``POST …/runCommand`` and Compute's operation URL.

Azure behaviours kept:
- A VM PUT is checked as Compute checks it: a known size, a platform image that exists, an admin
  user name Azure allows, Linux sign-in by password or SSH key, network interfaces that exist, are
  in the VM's region and belong to no other VM. Create is a long-running operation (``Creating``).
- The VM body is Compute's: ``vmId`` (stable per id), integer etags (``"1"``, ``"2"`` … one per
  change), ``timeCreated``, the OS disk's generated name and managed disk id, ``adminPassword``
  never returned. A re-PUT of the GET body changes nothing (200, same etag). Image, OS profile and
  OS disk cannot change after creation (``PropertyChangeNotAllowed``). No public IP is ever added:
  the VM has only what its network interfaces have.
- The network interface shows its VM (``virtualMachine.id``, ``primary``, a MAC address); deleting
  the VM releases it (or deletes it when its ``deleteOption`` is ``Delete``), and deletes the OS
  disk when the disk's ``deleteOption`` is ``Delete`` (else the disk stays, ``Unattached``). An
  attached disk cannot be deleted (``OperationNotAllowed``).
- ``POST …/runCommand`` answers 202 with ``Azure-AsyncOperation`` and ``Location``
  (``…/locations/<loc>/operations/<id>``, the latter with ``monitor=true``); the result is the
  RunCommandLinux extension's status: ``Enable succeeded: \\n[stdout]\\n…\\n[stderr]\\n…`` with
  each stream's last 4 KiB. The script runs in :mod:`praks_lib.emulator.world.vm_shell`, against the
  cloud as it is when the command is posted. A Windows command id on a Linux VM is a 409
  ``Conflict``; an unknown command id a 404 ``NotFound``, as on Azure.
"""
