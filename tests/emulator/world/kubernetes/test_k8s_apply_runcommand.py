"""kubectl apply/delete -f with context files; the run-command pod; the real data plane end to end."""
import base64
import io
import zipfile

import pytest

from praks_lib.emulator.world.dataplane import send
from praks_lib.emulator.world.kubernetes import ContextError, invoke, unpack_context
from praks_lib.firewall import DENIED_HTTP_BODY
from praks_lib.firewall import resolve as public_resolve

from ...monitoring_world import build_world
from .fake_cluster import NOW, make_cluster

CENTOS = b"""apiVersion: v1
kind: Pod
metadata:
  name: centos
spec:
  containers:
  - name: centoss
    image: centos
    ports:
    - containerPort: 80
    command:
    - sleep
    - "3600"
"""
APP = b"""apiVersion: v1
kind: Namespace
metadata:
  name: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  namespace: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: nginx
---
apiVersion: v1
kind: Service
metadata:
  name: nginx-internal
  namespace: web
spec:
  type: LoadBalancer
  selector: {app: nginx}
  ports:
  - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: web
data:
  mode: test
"""


def test_apply_the_walkthrough_pod_then_again(kubectl, state):
    files = {"centos.yaml": CENTOS}
    assert kubectl("kubectl apply -f centos.yaml", files) == (0, "pod/centos created\n")
    assert kubectl("kubectl apply -f centos.yaml", files) == (0, "pod/centos unchanged\n")
    assert state.pod("default", "centos").phase == "Running"
    changed = CENTOS.replace(b"image: centos", b"image: centos:8")
    assert kubectl("kubectl apply -f centos.yaml", {"centos.yaml": changed}) == (0, "pod/centos configured\n")
    command_changed = CENTOS.replace(b'"3600"', b'"60"')
    code, out = kubectl("kubectl apply -f centos.yaml", {"centos.yaml": command_changed})
    assert code == 1 and out.startswith('The Pod "centos" is invalid: spec: Forbidden: pod updates may not change')


def test_apply_multi_document_manifest(kubectl, state):
    code, out = kubectl("kubectl apply -f ./app.yaml", {"app.yaml": APP})
    assert (code, out) == (0, "namespace/web created\ndeployment.apps/nginx created\nservice/nginx-internal created\n"
                              "configmap/settings created\n")
    code, out = kubectl("kubectl get deploy,svc,cm -n web")
    tables = out.split("\n\n")
    assert tables[0].splitlines()[1].split() == ["deployment.apps/nginx", "2/2", "2", "2", "0s"]
    service = tables[1].splitlines()[1].split()
    assert service[:3] == ["service/nginx-internal", "LoadBalancer", service[2]] and service[3] == "<pending>"
    assert service[4].startswith("80:3") and service[4].endswith("/TCP")
    assert [line.split()[0] for line in tables[2].splitlines()[1:]] == ["configmap/kube-root-ca.crt",
                                                                         "configmap/settings"]
    pods = [p for p in state.pods if p.namespace == "web"]
    assert len(pods) == 2 and all(p.name.startswith("nginx-") and p.phase == "Running" for p in pods)
    scaled = APP.replace(b"replicas: 2", b"replicas: 3")
    assert kubectl("kubectl apply -f app.yaml", {"app.yaml": scaled})[1].splitlines()[1] == \
        "deployment.apps/nginx configured"
    assert len([p for p in state.pods if p.namespace == "web"]) == 3
    assert kubectl("kubectl delete -f app.yaml", {"app.yaml": APP}) == (
        0, 'namespace "web" deleted\ndeployment.apps "nginx" deleted\nservice "nginx-internal" deleted\n'
           'configmap "settings" deleted\n')
    assert state.namespace("web") is None and not [p for p in state.pods if p.namespace == "web"]


def test_delete_by_file_reports_each_object(kubectl):
    files = {"centos.yaml": CENTOS}
    kubectl("kubectl apply -f centos.yaml", files)
    assert kubectl("kubectl delete -f centos.yaml", files) == (0, 'pod "centos" deleted\n')
    assert kubectl("kubectl delete -f centos.yaml", files) == (
        1, 'Error from server (NotFound): error when deleting "centos.yaml": pods "centos" not found\n')


def test_delete_deployment_removes_its_pods(kubectl, state):
    kubectl("kubectl apply -f app.yaml", {"app.yaml": APP})
    assert kubectl("kubectl delete deployment nginx -n web") == (0, 'deployment.apps "nginx" deleted\n')
    assert not [p for p in state.pods if p.namespace == "web"]


@pytest.mark.parametrize("files, message", [
    ({}, 'error: the path "missing.yaml" does not exist\n'),
    ({"missing.yaml": b"kind: Pod\nmetadata: {name: x}\n"},
     'error: error validating "missing.yaml": error validating data: apiVersion not set; if you choose to ignore '
     "these errors, turn validation off with --validate=false\n"),
    ({"missing.yaml": b"apiVersion: v1\nkind: Widget\nmetadata: {name: x}\n"},
     'error: resource mapping not found for name: "x" namespace: "default" from "missing.yaml": no matches for '
     'kind "Widget" in version "v1"\nensure CRDs are installed first\n'),
    ({"missing.yaml": b"apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: nope}\nspec: {}\n"},
     'Error from server (NotFound): error when creating "missing.yaml": namespaces "nope" not found\n'),
    ({"missing.yaml": b"a: [1\n"}, None),
])
def test_apply_errors(kubectl, files, message):
    code, out = kubectl("kubectl apply -f missing.yaml", files)
    assert code == 1
    if message:
        assert out == message
    else:
        assert out.startswith("error: error parsing missing.yaml: error converting YAML to JSON: yaml: ")
    assert kubectl("kubectl apply") == (1, "error: must specify one of -f and -k\n")


def test_run_command_lists_its_own_pod_then_removes_it(state, dataplane):
    code, out = invoke(state, "kubectl get pods -A", context_files={}, command_id="300ac3fddbb444308fa05d36a3002ef3",
                       now=NOW, network=dataplane.network, resolve=dataplane.resolve)
    assert code == 0
    assert out.splitlines()[1].split() == ["aks-command", "command-300ac3fddbb444308fa05d36a3002ef3", "1/1",
                                           "Running", "0", "4s"]
    assert all(p.namespace != "aks-command" for p in state.pods)


def test_context_is_a_base64_zip_of_the_attached_files(state, dataplane):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("centos.yaml", CENTOS)
    files = unpack_context(base64.b64encode(buffer.getvalue()).decode())
    assert files == {"centos.yaml": CENTOS}
    assert invoke(state, "kubectl apply -f centos.yaml", context_files=files, command_id="1", now=NOW,
                  network=dataplane.network, resolve=dataplane.resolve) == (0, "pod/centos created\n")
    assert unpack_context("") == {}
    with pytest.raises(ContextError, match="base64-encoded zip"):
        unpack_context("bm90IGEgemlw")


def test_end_to_end_through_the_real_data_plane(emu):
    """The monitoring world: AKS subnet 10.2.1.0/24 routed to the firewall, which allows batman.com
    and *.ubuntu.com over HTTP(S) and denies the rest."""
    build_world(emu)
    state = make_cluster(node_subnet="10.2.1.0/24", service_cidr="10.100.0.0/24", dns_service_ip="10.100.0.10")
    sent = []

    def network(source, host, port, protocol, sni):
        outcome = send(emu, source, host, port, protocol, sni=sni, time=NOW)
        sent.append(outcome)
        return outcome

    def run(command):
        return invoke(state, command, context_files={}, command_id="e2e", now=NOW, network=network,
                      resolve=lambda name, _: public_resolve(name))

    assert run(
        "kubectl run test --image=busybox --rm -i --restart=Never -- curl http://robin.com") == (
        0, DENIED_HTTP_BODY + 'pod "test" deleted\n')
    assert sent[-1].verdict.action == "Deny" and sent[-1].rows
    code, out = run("kubectl run test --image=busybox --rm -i --restart=Never -- curl https://robin.com")
    assert out.startswith("curl: (35) OpenSSL SSL_connect: Connection reset by peer in connection to robin.com:443")
    code, out = run("kubectl run test --image=busybox --rm -i --restart=Never -- curl -s http://www.ubuntu.com")
    assert code == 0 and "302 Found" in out and sent[-1].verdict.rule == "web"
    code, out = run("kubectl run test --image=busybox --rm -i --restart=Never -- nc -zv -w 3 203.0.113.10 22")
    assert out.startswith("nc: connect to 203.0.113.10 port 22 (tcp) timed out")
