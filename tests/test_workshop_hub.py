"""A room on JupyterHub: the hub on loopback with a dummy authenticator and a local-process spawner, five
users logged in through the hub's REST API, each running stages 00-01 through their own server, each with
an emulated cloud of their own (workshop/praks_hub.py: ~/praks and ~/praks/.praks)."""
import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from tornado.httpclient import HTTPRequest
from tornado.ioloop import IOLoop
from tornado.websocket import websocket_connect

from praks_lib.cloud import connect
from praks_lib.params import load_deployment

ROOT = Path(__file__).resolve().parents[1]
USERS = [f"attendee{n}" for n in range(1, 6)]
TOKEN = uuid.uuid4().hex
RUN_STAGES = ("from praks_lib.runner import run_suite\n"
              "result = run_suite(up_to='01', echo=print)\n"
              "print('SUITE', 'PASS' if result.ok else 'FAIL')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(tmp: Path, port: int) -> Path:
    config = tmp / "jupyterhub_config.py"
    config.write_text(f"""
load_subconfig({str(ROOT / 'workshop' / 'praks_hub.py')!r})
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {_free_port()}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{_free_port()}"
c.JupyterHub.db_url = "sqlite:///{tmp / 'hub.sqlite'}"
c.JupyterHub.cookie_secret_file = "{tmp / 'cookie_secret'}"
c.JupyterHub.pid_file = "{tmp / 'hub.pid'}"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = "praks"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp / 'home'}/{{username}}"
c.Spawner.cmd = [{str(Path(sys.executable).parent / 'jupyterhub-singleuser')!r}]
c.Spawner.args = ["--ServerApp.allow_root=True"]  # CI runs as root
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.JupyterHub.services = [{{"name": "facilitator", "api_token": "{TOKEN}"}}]
c.JupyterHub.load_roles = [{{"name": "facilitator", "services": ["facilitator"],
                            "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"]}}]
""")
    return config


def _wait(check, seconds: float, what: str):
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


async def _execute(url: str, token: str, code: str) -> str:
    """Run code in a kernel over the Jupyter Server websocket; return what it printed."""
    request = HTTPRequest(url, headers={"Authorization": f"token {token}"})
    connection = await websocket_connect(request)
    msg_id = uuid.uuid4().hex
    await connection.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": uuid.uuid4().hex,
                   "date": "", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    printed = []
    while True:
        message = json.loads(await connection.read_message())
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["msg_type"]
        if kind == "stream":
            printed.append(message["content"]["text"])
        elif kind == "error":
            printed.append(f"{message['content']['ename']}: {message['content']['evalue']}")
        elif kind == "status" and message["content"]["execution_state"] == "idle":
            connection.close()
            return "".join(printed)


def _run_stages(base: str, user: str) -> str:
    hub = f"{base}/hub/api"
    admin = {"Authorization": f"token {TOKEN}"}
    # Log in: the user exists, gets a token of their own, and starts their server.
    requests.post(f"{hub}/users/{user}", headers=admin, timeout=30).raise_for_status()
    token = requests.post(f"{hub}/users/{user}/tokens", headers=admin, json={"note": "test"},
                          timeout=30).json()["token"]
    mine = {"Authorization": f"token {token}"}
    assert requests.post(f"{hub}/users/{user}/server", headers=mine, timeout=30).status_code in (201, 202)
    _wait(lambda: requests.get(f"{hub}/users/{user}", headers=mine, timeout=30).json()["servers"].get("", {})
          .get("ready"), 120, f"{user}'s server")
    server = f"{base}/user/{user}/api"
    kernel = requests.post(f"{server}/kernels", headers=mine, json={"name": "python3"}, timeout=60).json()["id"]
    socket_url = f"{server.replace('http', 'ws', 1)}/kernels/{kernel}/channels"
    return IOLoop().run_sync(lambda: _execute(socket_url, token, RUN_STAGES), timeout=600)


def test_five_users_each_run_stages_in_their_own_cloud(tmp_path):
    assert shutil.which("configurable-http-proxy"), \
        "JupyterHub's proxy is missing: npm install -g configurable-http-proxy (as .ci/run does)"
    port = _free_port()
    config = _config(tmp_path, port)
    log = (tmp_path / "hub.log").open("w")
    hub = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)], cwd=tmp_path,
                           stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _reachable(f"{base}/hub/api"), 60, "the hub")
        with ThreadPoolExecutor(len(USERS)) as pool:
            printed = dict(zip(USERS, pool.map(lambda u: _run_stages(base, u), USERS)))
    finally:
        hub.terminate()
        hub.wait(30)
        log.close()
    for user, text in printed.items():
        assert "SUITE PASS" in text, (user, text, (tmp_path / "hub.log").read_text()[-3000:])
    dep = load_deployment(ROOT / "parameters" / "default.yaml")
    for user in USERS:
        copy = tmp_path / "home" / user / "praks"
        assert (copy / "notebooks" / "labs" / "01_hub_dns.ipynb").exists()
        assert not list((copy / "notebooks" / "labs").glob("*.solution.ipynb"))
        groups = [g.name for g in connect(dep, state_dir=copy / ".praks").resource.resource_groups.list()]
        assert sorted(groups) == ["dzpraks1_kube", "dzpraks1_networks"], (user, groups)  # one deployment each
        assert list((copy / "runs").glob("*/01_network.ipynb"))


def _reachable(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.ConnectionError:
        return False
