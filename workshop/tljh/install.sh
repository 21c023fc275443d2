#!/usr/bin/env bash
# The Littlest JupyterHub for a praks room, on one server (Ubuntu, run as root).
# Size it for the room: each attendee's kernels take about 0.3 GB and the emulator a little CPU per stage;
# 20 attendees fit 4 cores and 16 GB. Usage: sudo bash workshop/tljh/install.sh <admin-user> [<praks clone>]
set -euo pipefail
ADMIN="${1:?usage: install.sh <admin-user> [<praks clone>]}"
CLONE="$(cd "${2:-$(dirname "$0")/../..}" && pwd)"
if [ ! -x /opt/tljh/user/bin/python ]; then
  curl -L https://tljh.jupyter.org/bootstrap.py | python3 - --admin "$ADMIN"
fi
# praks in the users' environment (every attendee's kernels) and in the hub's (the spawn hook copies the notebooks).
/opt/tljh/user/bin/pip install --quiet "$CLONE[workshop]"
/opt/tljh/hub/bin/pip install --quiet "$CLONE"
cat > /opt/tljh/config/jupyterhub_config.d/praks.py <<PY
import os
os.environ.setdefault("PRAKS_WORKSHOP_SOURCE", "$CLONE")
load_subconfig("$CLONE/workshop/praks_hub.py")
PY
tljh-config reload hub
echo "praks room ready: attendees sign in at http://<this server>/ and find ~/praks/notebooks"
