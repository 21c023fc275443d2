"""What Azure checks in a Linux VM's OS profile and image (linux-vms.yaml): the admin user names it
refuses and the platform images it knows. The parameter model refuses a reserved name before
anything is created; the emulator refuses it on create."""
from __future__ import annotations

from praks_lib.azure import facts

_DATA = facts.load("linux-vms")
RESERVED_USER_NAMES = frozenset(name.lower() for name in _DATA["reserved_user_names"])
# (publisher, offer, sku) in lower case → Hyper-V generation
PLATFORM_IMAGES = {(i["publisher"], i["offer"], i["sku"]): i["generation"] for i in _DATA["platform_images"]}
LATEST_IMAGE_VERSION = _DATA["latest_image_version"]


def is_reserved_user_name(name: str) -> bool:
    return name.lower() in RESERVED_USER_NAMES
