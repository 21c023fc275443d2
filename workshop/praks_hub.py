# JupyterHub configuration for a praks room: load it from a jupyterhub_config.py with
#     load_subconfig("/path/to/praks/workshop/praks_hub.py")
# (The Littlest JupyterHub: tljh/install.sh puts such a file in /opt/tljh/config/jupyterhub_config.d/.)
# At each user's first start, the hub copies the runbook's parameters and blank notebooks (stages and
# labs, no solutions) into ~/praks and points the user's server at its own emulator state, ~/praks/.praks,
# so every attendee has a cloud of their own. PRAKS_WORKSHOP_SOURCE names the praks clone to copy from
# (default: the clone this file is in).
import asyncio
import os
import pwd
from pathlib import Path

from praks_lib.workshop_home import prepare_home, state_dir

c = get_config()  # noqa: F821 - provided by JupyterHub's config loader
SOURCE = Path(os.environ.get("PRAKS_WORKSHOP_SOURCE") or Path(__file__).resolve().parent.parent)


def _home(spawner) -> Path:
    """SimpleLocalProcessSpawner has home_dir; the system spawners (TLJH, local processes) use the user's home."""
    home = getattr(spawner, "home_dir", None)
    return Path(home) if home else Path(pwd.getpwnam(spawner.user.name).pw_dir)


def _own(folder: Path, user: str) -> None:
    """The hub runs as root on TLJH: the copy must belong to the attendee."""
    if os.geteuid() != 0:
        return
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _prepare(home: Path, user: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    copy = prepare_home(home, SOURCE)
    _own(copy, user)
    return copy


async def praks_pre_spawn(spawner) -> None:
    home = _home(spawner)
    # Copying the notebooks takes a moment: off the hub's event loop, which serves everyone else meanwhile.
    copy = await asyncio.to_thread(_prepare, home, spawner.user.name)
    spawner.environment.update({"PRAKS_STATE_DIR": str(state_dir(home)), "PRAKS_PROJECT": str(copy)})
    spawner.notebook_dir = str(copy)


c.Spawner.pre_spawn_hook = praks_pre_spawn
c.Spawner.default_url = "/lab/tree/notebooks"
