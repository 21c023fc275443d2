"""A kubectl subset over a ClusterState: get, run, apply, exec, logs, delete, version, cluster-info.

Output is what kubectl prints (stdout and stderr in the order a terminal shows them); errors carry
kubectl's wording and exit codes. Command lines are what `az aks command invoke` runs through
bash: kubectl commands, optionally joined with `&&`, `||` or `;` (split and run by
:mod:`praks_lib.emulator.world.command_list`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from praks_lib.emulator.world import command_list
from praks_lib.emulator.world.command_list import NOT_EMULATED, Result
from praks_lib.emulator.world.kubernetes import cluster, lifecycle, manifests, render
from praks_lib.emulator.world.kubernetes.errors import KubectlError, not_found
from praks_lib.emulator.world.kubernetes.network import Network, Resolver
from praks_lib.emulator.world.kubernetes.objects import ClusterState, Container, Pod
from praks_lib.emulator.world.kubernetes.shell import ExecutableNotFound, PodShell

# kubectl's top-level commands (for "unknown command" and its suggestions), and the emulated ones.
KUBECTL_COMMANDS = (
    "annotate", "api-resources", "api-versions", "apply", "attach", "auth", "autoscale", "certificate",
    "cluster-info", "completion", "config", "cordon", "cp", "create", "debug", "delete", "describe", "diff",
    "drain", "edit", "events", "exec", "explain", "expose", "get", "help", "kustomize", "label", "logs", "patch",
    "plugin", "port-forward", "proxy", "replace", "rollout", "run", "scale", "set", "taint", "top", "uncordon",
    "version", "wait",
)
# resource aliases → kind
RESOURCE_KINDS = {
    **dict.fromkeys(("pods", "pod", "po"), "Pod"),
    **dict.fromkeys(("nodes", "node", "no"), "Node"),
    **dict.fromkeys(("services", "service", "svc"), "Service"),
    **dict.fromkeys(("namespaces", "namespace", "ns"), "Namespace"),
    **dict.fromkeys(("deployments", "deployment", "deploy", "deployments.apps", "deployment.apps"), "Deployment"),
    **dict.fromkeys(("configmaps", "configmap", "cm"), "ConfigMap"),
}
KIND_PREFIX = {"Pod": "pod", "Node": "node", "Service": "service", "Namespace": "namespace",
               "Deployment": "deployment.apps", "ConfigMap": "configmap"}
KIND_PLURAL = {"Pod": "pods", "Node": "nodes", "Service": "services", "Namespace": "namespaces",
               "Deployment": "deployments.apps", "ConfigMap": "configmaps"}
CLUSTER_SCOPED = {"Node", "Namespace"}
OUTPUT_FORMATS = ("json", "yaml", "name", "wide")
KNOWN_FORMATS = ("custom-columns", "custom-columns-file", "go-template", "go-template-file", "json", "jsonpath",
                 "jsonpath-as-json", "jsonpath-file", "name", "template", "templatefile", "wide", "yaml")
# kubectl minor version → the Kustomize it embeds
KUSTOMIZE = {"1.29": "v5.0.4-0.20230601165947-6ce0bf390ce3", "1.30": "v5.0.4-0.20230601165947-6ce0bf390ce3",
             "1.31": "v5.4.2", "1.32": "v5.5.0", "1.33": "v5.6.0", "1.34": "v5.7.1"}
NO_TTY = "Unable to use a TTY - input is not a terminal or the right kind of file"
GREEN, YELLOW, RESET = "\x1b[0;32m", "\x1b[0;33m", "\x1b[0m"  # cluster-info colours even without a terminal

# flag name → (shorthand, takes a value)
FLAGS = {
    "namespace": ("n", True), "all-namespaces": ("A", False), "output": ("o", True), "filename": ("f", True),
    "image": (None, True), "rm": (None, False), "stdin": ("i", False), "tty": ("t", False),
    "restart": (None, True), "command": (None, False), "container": ("c", True), "labels": ("l", True),
    "client": (None, False), "quiet": ("q", False),
}
COMMAND_FLAGS = {
    "get": {"namespace", "all-namespaces", "output"},
    "run": {"namespace", "image", "rm", "stdin", "tty", "restart", "command", "labels", "quiet"},
    "apply": {"namespace", "filename"},
    "delete": {"namespace", "filename"},
    "exec": {"namespace", "stdin", "tty", "container", "quiet"},
    "logs": {"namespace", "container"},
    "version": {"client", "output"},
    "cluster-info": set(),
}


@dataclass
class _Args:
    command: str
    flags: dict = field(default_factory=dict)
    positional: list[str] = field(default_factory=list)
    after_dash: list[str] | None = None  # everything after `--`


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _unknown_command(name: str) -> KubectlError:
    """cobra's wording, with its suggestions (distance ≤ 2 or a prefix)."""
    close = [c for c in KUBECTL_COMMANDS if c != "help" and (_levenshtein(name, c) <= 2 or c.startswith(name))]
    message = f'error: unknown command "{name}" for "kubectl"'
    if close:
        message += "\n\nDid you mean this?\n" + "".join(f"\t{c}\n" for c in close).rstrip("\n")
    return KubectlError(message)


def parse(argv: list[str]) -> _Args:
    """Split kubectl's arguments (pflag rules: -n ns, -nns, -n=ns, --namespace ns|=ns, bundles like -it)."""
    shorthands = {short: name for name, (short, _) in FLAGS.items() if short}
    command, flags, positional, after_dash, pending = None, {}, [], None, []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            after_dash = argv[i + 1:]
            break
        if token.startswith("--") and len(token) > 2:
            name, eq, value = token[2:].partition("=")
            if name not in FLAGS:
                pending.append(("long", token))
            elif FLAGS[name][1]:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        raise KubectlError(f"error: flag needs an argument: --{name}")
                    value = argv[i]
                flags[name] = value
            else:
                flags[name] = value.lower() != "false" if eq else True
        elif token.startswith("-") and len(token) > 1:
            letters = token[1:]
            for position, letter in enumerate(letters):
                name = shorthands.get(letter)
                if name is None:
                    pending.append(("short", f"'{letter}' in {token}"))
                    break
                if FLAGS[name][1]:
                    value = letters[position + 1:].removeprefix("=")
                    if not value:
                        i += 1
                        if i >= len(argv):
                            raise KubectlError(f"error: flag needs an argument: '{letter}' in -{letter}")
                        value = argv[i]
                    flags[name] = value
                    break
                flags[name] = True
        elif command is None:
            command = token
        else:
            positional.append(token)
        i += 1
    if command is None:
        raise KubectlError(NOT_EMULATED.format(what="kubectl without a command (its help text)"))
    if command not in COMMAND_FLAGS:
        if command in KUBECTL_COMMANDS:
            supported = ", ".join(COMMAND_FLAGS)
            raise KubectlError(NOT_EMULATED.format(what=f'"kubectl {command}"') + f"; emulated: {supported}")
        raise _unknown_command(command)
    for kind, text in pending:
        raise KubectlError(f"error: unknown {'shorthand ' if kind == 'short' else ''}flag: {text}\n"
                           f"See 'kubectl {command} --help' for usage.")
    for name in flags:
        if name not in COMMAND_FLAGS[command]:
            short = FLAGS[name][0]
            shown = f"--{name}" if not short else f"-{short}" if f"--{name}" not in argv else f"--{name}"
            if short:
                raise KubectlError(f"error: unknown shorthand flag: '{short}' in {shown}\n"
                                   f"See 'kubectl {command} --help' for usage.")
            raise KubectlError(f"error: unknown flag: {shown}\nSee 'kubectl {command} --help' for usage.")
    return _Args(command, flags, positional, after_dash)


class Kubectl:
    """kubectl against one emulated cluster; changes the ClusterState in place."""

    def __init__(self, state: ClusterState, *, context_files: dict[str, bytes] | None, network: Network,
                 resolve: Resolver, now: datetime):
        self.state, self.context_files = state, context_files or {}
        self.network, self.resolve, self.now = network, resolve, now

    def run(self, argv: list[str]) -> tuple[int, str]:
        try:
            args = parse(argv)
            handler: Callable[[_Args], tuple[int, str]] = getattr(self, "_" + args.command.replace("-", "_"))
            return handler(args)
        except KubectlError as error:
            return error.exit_code, error.message + "\n"

    def shell(self, pod: Pod) -> PodShell:
        return PodShell(self.state, pod, self.network, self.resolve, self.now)

    def _namespace(self, args: _Args) -> str:
        namespace = args.flags.get("namespace", "default")
        return namespace

    # get ---------------------------------------------------------------------------------------
    def _get(self, args: _Args) -> tuple[int, str]:
        if not args.positional:
            raise KubectlError(
                'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list '
                "of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain "
                '<resource>" for a detailed description of that resource (e.g. kubectl explain pods).\n'
                "See 'kubectl get -h' for help and examples")
        output = args.flags.get("output", "")
        if output and output not in OUTPUT_FORMATS:
            if output.split("=")[0] in KNOWN_FORMATS:
                raise KubectlError(NOT_EMULATED.format(what=f"kubectl get -o {output}"))
            raise KubectlError(f'error: unable to match a printer suitable for the output format "{output}", '
                               f"allowed formats are: {','.join(KNOWN_FORMATS)}")
        all_namespaces = bool(args.flags.get("all-namespaces"))
        namespace = self._namespace(args)
        requests = self._get_requests(args.positional)
        named = any(names for _, names in requests)
        if all_namespaces and named:
            raise KubectlError("error: a resource cannot be retrieved by name across all namespaces")
        with_kind = len(requests) > 1 or "/" in args.positional[0]
        found: list[tuple[str, list]] = []
        errors = []
        for kind, names in requests:
            objects = self._objects(kind, None if all_namespaces else namespace)
            if names:
                by_name = {o.name: o for o in objects}
                for name in names:
                    if name in by_name:
                        found.append((kind, [by_name[name]]))
                    else:
                        errors.append(not_found(KIND_PLURAL[kind], name).message)
            else:
                found.append((kind, objects))
        text = self._print(found, output, all_namespaces, with_kind, single=named and len(requests) == 1
                           and len(requests[0][1]) == 1)
        if not any(objects for _, objects in found) and not errors and output in ("", "wide"):
            scoped = all(kind in CLUSTER_SCOPED for kind, _ in requests)
            text = "No resources found\n" if all_namespaces or scoped else f"No resources found in {namespace} namespace.\n"
        return (1 if errors else 0), text + "".join(e + "\n" for e in errors)

    def _get_requests(self, positional: list[str]) -> list[tuple[str, list[str]]]:
        def kind_of(word: str) -> str:
            kind = RESOURCE_KINDS.get(word.lower())
            if kind is None:
                raise KubectlError(f'error: the server doesn\'t have a resource type "{word}"')
            return kind

        if "/" in positional[0]:
            requests: dict[str, list[str]] = {}
            for item in positional:
                if "/" not in item:
                    raise KubectlError("error: there is no need to specify a resource type as a separate "
                                       "argument when passing arguments in resource/name form (e.g. 'kubectl get "
                                       "resource/<resource_name>' instead of 'kubectl get resource "
                                       "resource/<resource_name>'")
                word, name = item.split("/", 1)
                requests.setdefault(kind_of(word), []).append(name)
            return list(requests.items())
        kinds = [kind_of(word) for word in positional[0].split(",") if word]
        return [(kind, list(positional[1:])) for kind in kinds]

    def _objects(self, kind: str, namespace: str | None) -> list:
        collection = {"Pod": self.state.pods, "Node": self.state.nodes, "Service": self.state.services,
                      "Namespace": self.state.namespaces, "Deployment": self.state.deployments,
                      "ConfigMap": self.state.config_maps}[kind]
        if kind not in CLUSTER_SCOPED and namespace is not None:
            collection = [o for o in collection if o.namespace == namespace]
        return sorted(collection, key=lambda o: (getattr(o, "namespace", ""), o.name))

    def _api_object(self, kind: str, obj) -> dict:
        if kind == "Pod":
            return render.pod_object(self.state, obj)
        if kind == "Node":
            return render.node_object(self.state, obj)
        if kind == "Service":
            return render.service_object(self.state, obj)
        if kind == "Namespace":
            return render.namespace_object(self.state, obj)
        if kind == "Deployment":
            return render.deployment_object(self.state, obj, self._ready_replicas(obj))
        return render.config_map_object(self.state, obj)

    def _ready_replicas(self, deployment) -> int:
        return sum(1 for p in cluster.deployment_pods(self.state, deployment)
                   if p.phase == "Running" and not p.status_reason)

    def _print(self, found, output, all_namespaces, with_kind, single) -> str:
        if output in ("json", "yaml"):
            items = [self._api_object(kind, o) for kind, objects in found for o in objects]
            document = items[0] if single and items else render.as_list(items)
            return render.as_json(document) if output == "json" else render.as_yaml(document)
        if output == "name":
            return "".join(f"{KIND_PREFIX[kind]}/{o.name}\n" for kind, objects in found for o in objects)
        tables = []
        for kind in dict.fromkeys(k for k, _ in found):
            objects = [o for k, objs in found if k == kind for o in objs]
            if objects:
                tables.append(self._table(kind, objects, output == "wide",
                                          all_namespaces and kind not in CLUSTER_SCOPED, with_kind))
        return "\n".join(tables)

    def _table(self, kind, objects, wide, namespaced, with_kind) -> str:
        now = self.now
        header, columns = {
            "Pod": (render.POD_HEADER + (render.POD_WIDE if wide else []),
                    lambda o: render.pod_columns(o, now, wide)),
            "Node": (render.NODE_HEADER + (render.NODE_WIDE if wide else []),
                     lambda o: render.node_columns(o, now, wide)),
            "Service": (render.SERVICE_HEADER + (["SELECTOR"] if wide else []),
                        lambda o: render.service_columns(o, now, wide)),
            "Namespace": (["STATUS", "AGE"], lambda o: ["Active", render.human_age(now - o.created)]),
            "Deployment": (["READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
                           + (["CONTAINERS", "IMAGES", "SELECTOR"] if wide else []),
                           lambda o: self._deployment_columns(o, wide)),
            "ConfigMap": (["DATA", "AGE"], lambda o: [str(len(o.data)), render.human_age(now - o.created)]),
        }[kind]
        rows = []
        for obj in objects:
            name = f"{KIND_PREFIX[kind]}/{obj.name}" if with_kind else obj.name
            rows.append(([obj.namespace] if namespaced else []) + [name] + columns(obj))
        return render.table((["NAMESPACE"] if namespaced else []) + ["NAME"] + header, rows)

    def _deployment_columns(self, deployment, wide) -> list[str]:
        ready = self._ready_replicas(deployment)
        row = [f"{ready}/{deployment.replicas}", str(deployment.replicas), str(ready),
               render.human_age(self.now - deployment.created)]
        if wide:
            containers = (deployment.template.get("spec") or {}).get("containers") or []
            row += [",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers),
                    ",".join(f"{k}={v}" for k, v in sorted(deployment.selector.items()))]
        return row

    # run ---------------------------------------------------------------------------------------
    def _run(self, args: _Args) -> tuple[int, str]:
        if not args.positional:
            raise KubectlError("error: NAME is required for run\nSee 'kubectl run -h' for help and examples")
        name = args.positional[0]
        image = args.flags.get("image")
        if not image:
            raise KubectlError('error: required flag(s) "image" not set')
        attach, remove = bool(args.flags.get("stdin")), bool(args.flags.get("rm"))
        if remove and not attach:
            raise KubectlError("error: --rm should only be used for attached containers")
        restart = args.flags.get("restart", "Always")
        if restart not in ("Always", "OnFailure", "Never"):
            raise KubectlError(f"error: invalid restart policy: {restart}")
        namespace = self._namespace(args)
        self._require_namespace(namespace)
        if self.state.pod(namespace, name):
            raise KubectlError(f'Error from server (AlreadyExists): pods "{name}" already exists')
        rest = args.positional[1:] + (args.after_dash or [])
        command = rest if args.flags.get("command") else []
        container_args = [] if args.flags.get("command") else rest
        labels = dict(pair.split("=", 1) for pair in args.flags["labels"].split(",")) \
            if args.flags.get("labels") else {"run": name}
        pod = cluster.place_pod(self.state, namespace=namespace, name=name, now=self.now, labels=labels,
                                containers=[Container(name=name, image=image, command=command, args=container_args)],
                                restart_policy=restart)
        code = lifecycle.start(pod, self.shell(pod))
        if not attach:
            return 0, f"pod/{name} created\n"
        start_error = pod.status_reason == "StartError"
        text = (NO_TTY + "\n" if args.flags.get("tty") else "") + ("" if start_error else pod.logs)
        if remove:
            self.state.pods.remove(pod)
            self.state.next_serial()
            text += f'pod "{name}" deleted\n'
        if code == 0:
            return 0, text
        text += f"pod {namespace}/{name} terminated ({pod.status_reason or 'Error'})\n"
        return 1, text + (pod.logs if start_error else "")

    def _require_namespace(self, namespace: str) -> None:
        if self.state.namespace(namespace) is None:
            raise KubectlError(f'Error from server (NotFound): namespaces "{namespace}" not found')

    # apply / delete ------------------------------------------------------------------------------
    def _files(self, args: _Args, verb: str) -> list[tuple[str, dict]]:
        path = args.flags.get("filename")
        if not path:
            if verb == "apply":
                raise KubectlError("error: must specify one of -f and -k")
            return []
        return [(path, document) for document in manifests.load_documents(path, self.context_files)]

    def _apply(self, args: _Args) -> tuple[int, str]:
        lines, errors = [], []
        for path, document in self._files(args, "apply"):
            try:
                lines.append(manifests.apply_document(self.state, document, path, self._namespace(args), self.now,
                                                      self._start))
            except KubectlError as error:
                errors.append(error.message)
        return (1 if errors else 0), "".join(f"{line}\n" for line in lines + errors)

    def _start(self, pod: Pod) -> None:
        lifecycle.start(pod, self.shell(pod))

    def _delete(self, args: _Args) -> tuple[int, str]:
        namespace = self._namespace(args)
        targets: list[tuple[str, str, str, str | None]] = []
        for path, document in self._files(args, "delete"):
            targets.append((document["kind"], document["metadata"].get("namespace") or namespace,
                            document["metadata"]["name"], path))
        if not targets:
            if not args.positional:
                raise KubectlError("error: You must provide one or more resources by argument or filename.\n"
                                   "Example resource specifications include:\n   '-f rsrc.yaml'\n"
                                   "   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
            for kind, names in self._get_requests(args.positional):
                if kind == "Node":
                    raise KubectlError(NOT_EMULATED.format(what="kubectl delete node"))
                if not names:
                    raise KubectlError("error: resource(s) were provided, but no name was specified")
                targets += [(kind, namespace, name, None) for name in names]
        # A namespace only goes away after its contents (it is Terminating meanwhile): delete it last.
        results: dict[int, tuple[bool, str]] = {}
        order = sorted(range(len(targets)), key=lambda i: targets[i][0] == "Namespace")
        for index in order:
            kind, target_namespace, name, path = targets[index]
            try:
                results[index] = (True, manifests.delete_object(self.state, kind, target_namespace, name, self.now,
                                                                source=path))
            except KubectlError as error:
                results[index] = (False, error.message)
        lines = [results[i][1] for i in range(len(targets)) if results[i][0]]
        errors = [results[i][1] for i in range(len(targets)) if not results[i][0]]
        return (1 if errors else 0), "".join(f"{line}\n" for line in lines + errors)

    # exec / logs -------------------------------------------------------------------------------
    def _pod_for(self, args: _Args, verb: str) -> Pod:
        if not args.positional:
            raise KubectlError(f"error: expected '{verb} (POD | TYPE/NAME) ...'.\nPOD or TYPE/NAME is a required "
                               f"argument for the {verb} command\nSee 'kubectl {verb} -h' for help and examples")
        name = args.positional[0].removeprefix("pod/").removeprefix("pods/")
        pod = self.state.pod(self._namespace(args), name)
        if pod is None:
            raise not_found("pods", name)
        return pod

    def _container_note(self, args: _Args, pod: Pod) -> str:
        wanted = args.flags.get("container")
        names = [c.name for c in pod.containers]
        if wanted and wanted not in names:
            raise KubectlError(f"error: container {wanted} is not valid for pod {pod.name}")
        if not wanted and len(names) > 1:
            return f'Defaulted container "{names[0]}" out of: {", ".join(names)}\n'
        return ""

    def _exec(self, args: _Args) -> tuple[int, str]:
        if args.after_dash is None and len(args.positional) > 1:
            raise KubectlError("error: exec [POD] [COMMAND] is not supported anymore. "
                               "Use exec [POD] -- [COMMAND] instead")
        pod = self._pod_for(args, "exec")
        if not args.after_dash:
            raise KubectlError("error: you must specify at least one command for the container")
        note = self._container_note(args, pod)
        if pod.finished:
            raise KubectlError(f"error: cannot exec into a container in a completed pod; current phase is {pod.phase}")
        text = (NO_TTY + "\n" if args.flags.get("tty") else "") + note
        try:
            code, output = self.shell(pod).run(args.after_dash)
        except ExecutableNotFound as missing:
            return 126, text + ("OCI runtime exec failed: exec failed: unable to start container process: exec: "
                                f'"{missing.program}": executable file not found in $PATH: unknown\n'
                                "command terminated with exit code 126\n")
        text += output
        if code:
            text += f"command terminated with exit code {code}\n"
        return code, text

    def _logs(self, args: _Args) -> tuple[int, str]:
        pod = self._pod_for(args, "logs")
        note = self._container_note(args, pod)
        if pod.status_reason == "StartError":
            return 0, note
        return 0, note + pod.logs

    # version / cluster-info ----------------------------------------------------------------------
    def _version(self, args: _Args) -> tuple[int, str]:
        if args.flags.get("output"):
            raise KubectlError(NOT_EMULATED.format(what="kubectl version -o"))
        version = f"v{self.state.kubernetes_version}"
        minor = ".".join(self.state.kubernetes_version.split(".")[:2])
        text = f"Client Version: {version}\n"
        if minor in KUSTOMIZE:
            text += f"Kustomize Version: {KUSTOMIZE[minor]}\n"
        if not args.flags.get("client"):
            text += f"Server Version: {version}\n"
        return 0, text

    def _cluster_info(self, args: _Args) -> tuple[int, str]:
        base = f"https://{self.state.api_server_fqdn}:443"
        lines = [("Kubernetes control plane", base),
                 ("CoreDNS", f"{base}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy"),
                 ("Metrics-server", f"{base}/api/v1/namespaces/kube-system/services/https:metrics-server:/proxy")]
        text = "".join(f"{GREEN}{what}{RESET} is running at {YELLOW}{url}{RESET}\n" for what, url in lines)
        return 0, text + "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"


def run_kubectl(state: ClusterState, command_line: str, *, context_files: dict[str, bytes] | None = None,
                network: Network, resolve: Resolver, now: datetime) -> tuple[int, str]:
    """Run a run-command command line (bash -c, kubectl its one program); (exit code, combined
    output). ``state`` changes in place."""
    kubectl = Kubectl(state, context_files=context_files, network=network, resolve=resolve, now=now)

    def execute(words: list[str]) -> Result:
        if words[0] != "kubectl":
            return Result(127, f"bash: line 1: {words[0]}: command not found\n")
        return Result(*kubectl.run(words[1:]))

    done = command_list.run(command_line, execute, shell="bash: -c: line 1")
    return done.code, done.stdout + done.stderr
