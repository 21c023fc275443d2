"""kubectl run / exec / logs / delete, and what pod tools print for each data-plane outcome."""
import pytest

from praks_lib.firewall import DENIED_HTTP_BODY

RUN = "kubectl run test --image=mcr.microsoft.com/azurelinux/base/core:3.0 --rm -i --restart=Never -- "


def test_done_when_a_test_pod_curl_to_batman_gets_the_firewall_deny_text(kubectl, dataplane, state):
    code, out = kubectl(RUN + "curl http://batman.com")
    assert (code, out) == (0, DENIED_HTTP_BODY + 'pod "test" deleted\n')
    source, host, port, protocol, sni = dataplane.flows[0]
    assert (host, port, protocol, sni) == ("batman.com", 80, "HTTP", None)
    assert source.startswith("10.0.5.")  # Azure CNI: the pod's own subnet address
    assert state.pod("default", "test") is None


def test_denied_https_is_a_tls_reset(kubectl, dataplane):
    code, out = kubectl(RUN + "curl https://batman.com")
    assert out == ("curl: (35) OpenSSL SSL_connect: Connection reset by peer in connection to batman.com:443\n"
                   'pod "test" deleted\npod default/test terminated (Error)\n')
    assert code == 1
    assert dataplane.flows[0][2:] == (443, "HTTPS", True)


def test_silent_curl_hides_errors_unless_show_error(kubectl):
    assert kubectl(RUN + "curl -s https://batman.com")[1] == 'pod "test" deleted\npod default/test terminated (Error)\n'
    assert kubectl(RUN + "curl -sS https://batman.com")[1].startswith("curl: (35)")


@pytest.mark.parametrize("args, first_line", [
    ("curl -m 10 http://unroutable.example", "curl: (28) Connection timed out after 10001 milliseconds"),
    ("curl http://unroutable.example", "curl: (28) Failed to connect to unroutable.example port 80 after "),
    ("curl http://nothing.invalid", "curl: (6) Could not resolve host: nothing.invalid"),
    ("curl http://closed.example:8080", "curl: (7) Failed to connect to closed.example port 8080 after 0 ms: "
                                        "Couldn't connect to server"),
    ("curl -f http://batman.com", "curl: (22) The requested URL returned error: 470"),
    ("curl --bogus http://x", "curl: option --bogus: is unknown"),
])
def test_curl_failures(kubectl, args, first_line):
    code, out = kubectl(RUN + args)
    assert code == 1 and out.startswith(first_line)


def test_allowed_sites_answer_with_their_page(kubectl):
    code, out = kubectl(RUN + "curl www.ubuntu.com")
    assert code == 0 and out.startswith('<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
                                        "<title>302 Found</title>")
    assert "Apache/2.4.18 (Ubuntu) Server at www.ubuntu.com Port 80" in out
    code, out = kubectl(RUN + "curl -s http://azure.archive.ubuntu.com/ubuntu/")
    assert code == 0 and "<title>Index of /ubuntu/</title>" in out


def test_curl_head_write_out_and_follow(kubectl, dataplane):
    code, out = kubectl(RUN + "curl -sI http://batman.com")
    assert out.startswith("HTTP/1.1 470 status code 470\r\nDate: Wed, 05 Feb 2020 18:00:00 GMT\r\n")
    code, out = kubectl(RUN + "curl -s -o /dev/null -w %{http_code} http://batman.com")
    assert out == '470pod "test" deleted\n'
    code, out = kubectl(RUN + "curl -sL http://www.ubuntu.com")
    assert [f[1:4] for f in dataplane.flows[-2:]] == [("www.ubuntu.com", 80, "HTTP"), ("www.ubuntu.com", 443, "HTTPS")]


def test_tty_request_warns_without_a_terminal(kubectl):
    code, out = kubectl("kubectl run t --image=busybox --rm -it --restart=Never -- echo hi")
    assert out == ('Unable to use a TTY - input is not a terminal or the right kind of file\nhi\n'
                   'pod "t" deleted\n')


def test_run_without_attach_creates_a_pod_that_keeps_its_output(kubectl, state):
    assert kubectl("kubectl run centos --image=centos -- sleep 3600") == (0, "pod/centos created\n")
    assert kubectl("kubectl run probe --image=curlimages/curl --restart=Never -- -s http://batman.com") == (
        0, "pod/probe created\n")
    code, out = kubectl("kubectl get pods")
    rows = [line.split() for line in out.splitlines()[1:]]
    assert rows == [["centos", "1/1", "Running", "0", "0s"], ["probe", "0/1", "Completed", "0", "0s"]]
    assert kubectl("kubectl logs probe") == (0, DENIED_HTTP_BODY)
    assert kubectl("kubectl run centos --image=centos") == (
        1, 'Error from server (AlreadyExists): pods "centos" already exists\n')


def test_a_command_that_ends_under_restart_always_crash_loops(kubectl):
    kubectl("kubectl run once --image=busybox -- echo done")
    assert kubectl("kubectl get pod once")[1].splitlines()[1].split()[1:4] == ["0/1", "CrashLoopBackOff", "1"]


@pytest.mark.parametrize("command, message", [
    ("kubectl run", "error: NAME is required for run\nSee 'kubectl run -h' for help and examples\n"),
    ("kubectl run x", 'error: required flag(s) "image" not set\n'),
    ("kubectl run x --image=y --rm", "error: --rm should only be used for attached containers\n"),
    ("kubectl run x --image=y -n nope", 'Error from server (NotFound): namespaces "nope" not found\n'),
])
def test_run_errors(kubectl, command, message):
    assert kubectl(command) == (1, message)


def test_missing_executable_fails_to_start(kubectl):
    code, out = kubectl("kubectl run x --image=y --rm -i --restart=Never -- kubectl-nope")
    assert code == 1
    assert out.startswith('pod "x" deleted\npod default/x terminated (StartError)\nfailed to create containerd task')


def test_exec_runs_in_the_pod_and_reports_exit_codes(kubectl, state):
    kubectl("kubectl run centos --image=centos -- sleep 3600")
    assert kubectl("kubectl exec centos -- hostname") == (0, "centos\n")
    code, out = kubectl("kubectl exec -it centos -- curl -m 5 http://unroutable.example")
    assert code == 28
    assert out == ("Unable to use a TTY - input is not a terminal or the right kind of file\n"
                   "curl: (28) Connection timed out after 5001 milliseconds\ncommand terminated with exit code 28\n")
    code, out = kubectl("kubectl exec centos -- nope")
    assert code == 126 and 'exec: "nope": executable file not found in $PATH' in out
    assert kubectl("kubectl exec centos hostname") == (
        1, "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n")
    assert kubectl("kubectl exec ghost -- true") == (1, 'Error from server (NotFound): pods "ghost" not found\n')


def test_exec_into_a_finished_pod_is_refused(kubectl):
    kubectl("kubectl run done --image=busybox --restart=Never -- true")
    assert kubectl("kubectl exec done -- true") == (
        1, "error: cannot exec into a container in a completed pod; current phase is Succeeded\n")


def test_multi_container_pods_default_to_the_first(kubectl, state):
    csi = next(p for p in state.pods if p.name.startswith("csi-azuredisk-node-"))
    assert kubectl(f"kubectl logs {csi.name} -n kube-system") == (
        0, 'Defaulted container "liveness-probe" out of: liveness-probe, node-driver-registrar, azuredisk\n')
    assert kubectl(f"kubectl logs {csi.name} -n kube-system -c nope") == (
        1, f"error: container nope is not valid for pod {csi.name}\n")


def test_delete_pods_and_controllers_recreate_theirs(kubectl, state):
    kubectl("kubectl run centos --image=centos -- sleep 3600")
    assert kubectl("kubectl delete pod centos") == (0, 'pod "centos" deleted\n')
    assert kubectl("kubectl delete pod centos") == (1, 'Error from server (NotFound): pods "centos" not found\n')
    proxy = next(p for p in state.pods if p.name.startswith("kube-proxy-"))
    assert kubectl(f"kubectl delete pod {proxy.name} -n kube-system") == (0, f'pod "{proxy.name}" deleted\n')
    replacement = [p for p in state.pods if p.owner_name == "kube-proxy" and p.node == proxy.node]
    assert len(replacement) == 1 and replacement[0].name != proxy.name
    code, out = kubectl("kubectl get pods -n kube-system")
    assert f"{replacement[0].name} " in out and out.splitlines()[-1].split()[-1] in ("8h", "7h59m", "0s")
    assert kubectl("kubectl delete ns kube-system") == (
        1, 'Error from server (Forbidden): namespaces "kube-system" is forbidden: this namespace may not be deleted\n')
    assert kubectl("kubectl delete svc") == (1, "error: resource(s) were provided, but no name was specified\n")


@pytest.mark.parametrize("command, expected", [
    ("nc -zv -w 2 batman.com 443", (1, "nc: connect to batman.com (93.184.216.34) port 443 (tcp) timed out: "
                                       "Operation now in progress\n")),
    ("nc -zv mcr.microsoft.com 443", (0, "Connection to mcr.microsoft.com (93.184.216.34) 443 port [tcp/https] "
                                         "succeeded!\n")),
    ("nc -zv closed.example 80", (1, "nc: connect to closed.example (93.184.216.34) port 80 (tcp) failed: "
                                     "Connection refused\n")),
    ("nc -z mcr.microsoft.com 443", (0, "")),
    ("nslookup batman.com", (0, "Server:\t\t10.2.0.10\nAddress:\t10.2.0.10#53\n\nNon-authoritative answer:\n"
                                "Name:\tbatman.com\nAddress: 93.184.216.34\n\n")),
    ("nslookup kube-dns.kube-system", (0, "Server:\t\t10.2.0.10\nAddress:\t10.2.0.10#53\n\n"
                                         "Name:\tkube-dns.kube-system.svc.cluster.local\nAddress: 10.2.0.10\n\n")),
    ("nslookup nothing.invalid", (1, "Server:\t\t10.2.0.10\nAddress:\t10.2.0.10#53\n\n"
                                     "** server can't find nothing.invalid: NXDOMAIN\n\n")),
    ("nslookup nodns.example", (1, ";; connection timed out; no servers could be reached\n\n")),
    ("cat /etc/resolv.conf", (0, "search default.svc.cluster.local svc.cluster.local cluster.local\n"
                                 "nameserver 10.2.0.10\noptions ndots:5\n")),
    ("cat /etc/passwd", (1, "cat: /etc/passwd: No such file or directory\n")),
    ("date", (0, "Wed Feb  5 18:00:00 UTC 2020\n")),
    ("echo -n hi", (0, "hi")),
    ("wget -qO- http://batman.com", (8, "")),
    ("wget -qO- http://www.ubuntu.com/", (0, None)),
    ("wget -q -O- https://batman.com", (4, "")),
    ("sh -c 'echo a && false && echo b; echo c'", (0, "a\nc\n")),
    ("sh -c 'nope || echo fallback'", (0, "sh: nope: command not found\nfallback\n")),
    ("sh -c \"echo 'open\"", (2, "sh: -c: line 1: unexpected EOF while looking for matching `''\n")),
    ("sh -c 'echo a | cat'", (2, "praks emulator: '|' (a pipe or background job) is not emulated\n")),
])
def test_pod_tools(kubectl, command, expected):
    kubectl("kubectl run box --image=busybox -- sleep infinity")
    code, out = kubectl(f"kubectl exec box -- {command}")
    want_code, want_out = expected
    if want_code:
        assert out.endswith(f"command terminated with exit code {want_code}\n")
        out = out.removesuffix(f"command terminated with exit code {want_code}\n")
    assert code == want_code
    if want_out is not None:
        assert out == want_out


def test_ping_through_the_data_plane(kubectl, dataplane):
    kubectl("kubectl run box --image=busybox -- sleep infinity")
    code, out = kubectl("kubectl exec box -- ping -c 2 batman.com")
    assert code == 1 and "2 packets transmitted, 0 received, 100% packet loss" in out
    assert dataplane.flows[-1][1:4] == ("batman.com", 0, "ICMP")
    code, out = kubectl("kubectl exec box -- ping -c 2 mcr.microsoft.com")
    assert code == 0 and out.splitlines()[1].startswith("64 bytes from mcr.microsoft.com (93.184.216.34): icmp_seq=1")


def test_external_names_are_forwarded_by_coredns_from_its_pod(kubectl, dataplane, state):
    kubectl(RUN + "nslookup batman.com")
    coredns_ips = {p.ip for p in state.pods if p.labels.get("k8s-app") == "kube-dns"}
    assert dataplane.lookups == [("batman.com", dataplane.lookups[0][1])]
    assert dataplane.lookups[0][1] in coredns_ips


def test_in_cluster_services_do_not_touch_the_data_plane(kubectl, dataplane):
    code, out = kubectl(RUN + "curl -sk https://kubernetes.default")
    assert code == 0 and '"reason": "Unauthorized"' in out
    code, out = kubectl(RUN + "curl https://kubernetes.default")
    assert out.startswith("curl: (60) SSL certificate problem: unable to get local issuer certificate\n")
    assert dataplane.flows == []
