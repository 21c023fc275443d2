"""Notebook widgets that show and check parameters, and show long waits, but never wait for anyone.

A batch run (papermill, nbval) takes its values from the parameters cell; the form only shows them.
In JupyterLab every keystroke re-checks the values: each finding appears next to the field it is
about (and next to the field whose edit caused it), the cells that follow the form (``form.follow``:
the findings, the planned network, the what-if, the verdict) are drawn again from the edited
values, and the edits can be saved as a parameter file to run with. Where widgets cannot render (a
notebook opened before it is run, a saved notebook on GitHub) the form shows as a plain table of
its values and findings.
"""
from __future__ import annotations

import copy
import html
import json
import os
from pathlib import Path
from typing import Any, Callable

import ipywidgets as widgets
import yaml
from IPython import get_ipython
from IPython.display import display

from praks_lib.azure import clock
from praks_lib.deployment import Deployment
from praks_lib.errors import Finding, PraksError, by_severity
from praks_lib.params import check_parameters, deep_merge
from praks_lib.plan import suggested_values
from praks_lib.project import known_rule_sets

# The parameters the form shows: dotted path into Deployment, and the label beside the input.
FORM_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "deployment name"),
    ("location", "location"),
    ("network.hub.address_space", "hub address space"),
    ("network.hub.firewall_subnet.prefix", "AzureFirewallSubnet"),
    ("network.hub.jumpbox_subnet.prefix", "jumpbox subnet"),
    ("network.spoke.address_space", "spoke address space"),
    ("network.spoke.ingress_subnet.prefix", "ingress subnet"),
    ("network.spoke.aks_subnet.prefix", "AKS subnet"),
    ("aks.service_cidr", "service CIDR"),
    ("aks.dns_service_ip", "DNS service IP"),
    ("aks.network_plugin_mode", "pod networking"),
    ("aks.pod_cidr", "pod CIDR (overlay)"),
    ("firewall.rules", "firewall rule set"),
)
POD_NETWORKING = (("Azure CNI (pods in the AKS subnet)", ""), ("Azure CNI Overlay (pods in pod CIDR)", "overlay"))
OPTIONAL = {"aks.pod_cidr", "aks.network_plugin_mode"}  # an empty input means "not set"
_SEVERITY_STYLE = {"error": ("#D55E00", "✗"), "warning": ("#B36B00", "!"), "info": ("#0072B2", "i")}
_INPUT_WIDTH, _LABEL_WIDTH = "430px", "150px"


def _value_at(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data[part]
    return data


def _set_at(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[leaf] = value


def _nested(path: str, value: Any) -> dict[str, Any]:
    """'aks.service_cidr', '10.3.0.0/24' → {'aks': {'service_cidr': '10.3.0.0/24'}}."""
    result: Any = value
    for part in reversed(path.split(".")):
        result = {part: result}
    return result


def _flat(data: Any, path: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        return {key: value for name, item in data.items()
                for key, value in _flat(item, f"{path}.{name}" if path else name).items()}
    return {path: data}


def _underived(deployment: Deployment) -> dict[str, Any]:
    """The deployment's values with the names it derived from its name left empty again, so that a new
    name in the form derives new resource names, as the parameter file would."""
    data = deployment.model_dump(mode="json")
    one = _flat(Deployment.model_validate({"name": deployment.name}).model_dump(mode="json"))
    other = _flat(Deployment.model_validate({"name": "praksxyz" if deployment.name != "praksxyz" else "praksabc"})
                  .model_dump(mode="json"))
    for path, value in _flat(data).items():
        if one.get(path) != other.get(path) and value == one.get(path) and path != "name":
            _set_at(data, path, "")
    return data


def _differences(values: Any, defaults: Any) -> Any:
    """The parts of `values` that differ from `defaults` (a nested mapping), or None when none do."""
    if isinstance(values, dict) and isinstance(defaults, dict):
        changed = {key: diff for key, value in values.items()
                   if (diff := _differences(value, defaults.get(key, _MISSING))) is not None}
        return changed or None
    return None if values == defaults else values


_MISSING = object()


def _concerns(finding: Finding, path: str) -> bool:
    """Whether a finding is about the field at `path` (or the block holding it, or a part of it)."""
    return path == finding.field or path.startswith(f"{finding.field}.") or finding.field.startswith(f"{path}.")


def _caused_lines(findings: list[Finding]) -> str:
    """What an edit brought about elsewhere, in a line each: the full message is next to that field."""
    return "".join(f'<div style="color:{_SEVERITY_STYLE.get(f.severity, ("#52606D", ""))[0]};margin:0 0 4px 0">'
                   f"{_SEVERITY_STYLE.get(f.severity, ('', '·'))[1]} this edit also gives {html.escape(f.code)} at "
                   f"<code>{html.escape(f.field)}</code></div>" for f in by_severity(findings))


def _finding_lines(findings: list[Finding]) -> str:
    lines = []
    for f in by_severity(findings):
        colour, mark = _SEVERITY_STYLE.get(f.severity, ("#52606D", "·"))
        lines.append(f'<div style="color:{colour};line-height:1.35;margin:2px 0 4px 0"><b>{mark}</b> '
                     f'{html.escape(f.message)}<br><span style="color:#52606D">fix: {html.escape(f.fix)}</span></div>')
    return "".join(lines)


class Problem:
    """A follower that could not be drawn from the edited values: the reason, shown where it would be."""

    def __init__(self, error: Exception):
        self.error = error

    def __repr__(self) -> str:
        return str(self.error)

    def _shown_value(self, path: str) -> str:
        field = self.inputs[path]
        return field.label if isinstance(field, widgets.Dropdown) else str(field.value)

    def _repr_html_(self) -> str:
        """The message's lines (a FAIL's bullets as a list), the HINT apart, wrapped between words."""
        message, _, hint = str(self.error).partition("\nHINT: ")
        first, *rest = message.splitlines()
        bullets = [line.strip().removeprefix("- ") for line in rest if line.strip()]
        items = "".join(f"<li>{html.escape(b)}</li>" for b in bullets)
        return (f'<div style="color:#B34700;overflow-wrap:break-word"><b>{html.escape(first)}</b>'
                + (f'<ul style="margin:4px 0">{items}</ul>' if items else "")
                + (f'<div style="color:#52606D">HINT: {html.escape(hint)}</div>' if hint else "") + "</div>")


class ParameterForm(widgets.VBox):
    """The key parameters as inputs, checked as they are typed; nothing here blocks.

    `deployment` is the edited Deployment while every value parses (None otherwise), `planned` the
    closest one that does (what the diagram and the what-if show meanwhile), `findings` the current
    findings (values that do not parse first, then the plan's, cause first), `overrides` the edits.
    """

    def __init__(self, deployment: Deployment, save_to: str | Path | None = None):
        self._base = _underived(deployment)
        self._source_dir = deployment.source_dir
        self._fixed: dict[str, Any] = {}  # suggested values applied to fields the form has no input for
        self._caused: dict[str, set[tuple[str, str]]] = {}  # input path → findings its edits brought
        self._followers: list[tuple[Callable[[ParameterForm], Any], Any]] = []
        self._shown_state: str | None = None
        self._applying = False
        self.inputs: dict[str, widgets.ValueWidget] = {}
        self.messages: dict[str, widgets.HTML] = {}
        rows = []
        for path, label in FORM_FIELDS:
            value = _value_at(self._base, path)
            style, layout = {"description_width": _LABEL_WIDTH}, widgets.Layout(width=_INPUT_WIDTH)
            if path == "aks.network_plugin_mode":
                field = widgets.Dropdown(options=POD_NETWORKING, value=value or "", description=label)
            elif path == "firewall.rules":
                field = widgets.Combobox(options=known_rule_sets(deployment.source_dir), value=value,
                                         description=label, ensure_option=False, continuous_update=True)
            else:
                field = widgets.Text(value="" if value is None else str(value), description=label,
                                     continuous_update=True)
            field.style, field.layout = style, layout
            field.observe(lambda change, path=path: self._on_edit(path), names="value")
            self.inputs[path] = field
            self.messages[path] = widgets.HTML(layout=widgets.Layout(width=_INPUT_WIDTH, margin="0 0 0 0"))
            rows.append(widgets.VBox([field, self.messages[path]], layout=widgets.Layout(margin="0 12px 2px 0")))
        half = (len(rows) + 1) // 2
        columns = widgets.HBox([widgets.VBox(rows[:half]), widgets.VBox(rows[half:])])
        self.summary = widgets.HTML()
        self.fix_button = widgets.Button(description="apply the suggested fixes", icon="wrench",
                                         layout=widgets.Layout(width="220px"))
        self.fix_button.on_click(lambda _: self.apply_suggested_fixes())
        self.save_path = widgets.Text(value=str(self._default_save_path(save_to)), description="parameter file",
                                      style={"description_width": "100px"}, layout=widgets.Layout(width="520px"))
        self.save_button = widgets.Button(description="save as parameter file", icon="save",
                                          layout=widgets.Layout(width="200px"))
        self.save_button.on_click(lambda _: self._save_clicked())
        self.save_status = widgets.HTML()
        self.overrides_view = widgets.HTML()
        note = widgets.HTML('<span style="color:#52606D">Every value is checked as you type; the findings, the '
                            "planned network, the what-if and the verdict below follow. A run uses the parameter "
                            "file: save your edits as one to run with them.</span>")
        super().__init__([note, columns, self.summary, widgets.HBox([self.fix_button]),
                          widgets.HBox([self.save_path, self.save_button]), self.save_status, self.overrides_view])
        self.deployment: Deployment | None = deployment
        self.planned: Deployment = deployment
        self.findings: list[Finding] = []
        self.validate()

    # -- values ---------------------------------------------------------------------------------------

    def _input_value(self, path: str) -> Any:
        value = self.inputs[path].value
        return None if path in OPTIONAL and value == "" else value

    @property
    def overrides(self) -> dict[str, Any]:
        """The edits, as a nested mapping for the parameter file (applied fixes included)."""
        changed: dict[str, Any] = {}
        for path, value in self._fixed.items():
            changed = deep_merge(changed, _nested(path, value))
        for path in self.inputs:
            if self._input_value(path) != _value_at(self._base, path):
                changed = deep_merge(changed, _nested(path, self._input_value(path)))
        return changed

    def _data(self) -> dict[str, Any]:
        data = copy.deepcopy(self._base)
        for path, value in _flat(self.overrides).items():
            _set_at(data, path, value)
        return data

    def _closest(self, data: dict[str, Any], findings: list[Finding]) -> Deployment:
        """The edited plan with each value that does not parse put back as it was, so the diagram and
        the what-if still follow every edit that does."""
        bad = {f.field for f in findings if f.code == "PraksInvalidParameter"}
        trimmed = copy.deepcopy(data)
        for path in bad:
            try:
                _set_at(trimmed, path, copy.deepcopy(_value_at(self._base, path)))
            except (KeyError, TypeError):
                continue
        deployment, _ = check_parameters(trimmed, self._source_dir)
        return deployment or self.planned

    # -- checking -------------------------------------------------------------------------------------

    def _on_edit(self, path: str) -> None:
        if self._applying:
            return
        before = {(f.code, f.field) for f in self.findings}
        self.validate()
        brought = {(f.code, f.field) for f in self.findings} - before
        self._caused.setdefault(path, set()).update(brought)
        self._show_messages()
        self._refresh_followers()

    def validate(self) -> list[Finding]:
        """Re-check the form's values now; returns the findings it shows."""
        data = self._data()
        self.deployment, self.findings = check_parameters(data, self._source_dir)
        self.planned = self.deployment or self._closest(data, self.findings)
        self._show_messages()
        return self.findings

    def _show_messages(self) -> None:
        current = {(f.code, f.field): f for f in self.findings}
        for path, field in self.inputs.items():
            own = [f for f in self.findings if _concerns(f, path)]
            caused = [current[key] for key in sorted(self._caused.get(path, ())) if key in current
                      and current[key] not in own and not current[key].fix.startswith(f"follows from {path}")]
            self.messages[path].value = _finding_lines(own) + _caused_lines(caused)
            severities = {f.severity for f in own + caused}
            colour = next((_SEVERITY_STYLE[s][0] for s in ("error", "warning") if s in severities), None)
            field.layout.border = f"2px solid {colour}" if colour else None
        errors = sum(f.severity == "error" for f in self.findings)
        warnings = sum(f.severity == "warning" for f in self.findings)
        if not self.findings:
            self.summary.value = ('<div style="color:#009E73"><b>✓ No findings:</b> the parameters and the address '
                                  "plan are sound.</div>")
        else:
            counts = ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((errors, "error"),
                                                                                  (warnings, "warning")) if n)
            self.summary.value = (f'<div style="color:{"#D55E00" if errors else "#B36B00"}"><b>{counts}</b>: each is '
                                  "next to its field above, and all are in the findings below, cause first.</div>")
        self.fix_button.disabled = not self._suggestions()
        overrides = self.overrides
        self.overrides_view.value = (
            '<div style="color:#52606D">Your edits, as a parameter file writes them:</div><pre>'
            + html.escape(yaml.safe_dump(overrides, sort_keys=False)) + "</pre>" if overrides else "")

    def _suggestions(self) -> dict[str, Any]:
        return suggested_values(self.planned) if any(f.severity == "error" for f in self.findings) else {}

    def apply_suggested_fixes(self) -> dict[str, Any]:
        """Set every suggested value (computed together, so they do not collide); returns them."""
        values = self._suggestions()
        self._applying = True
        try:
            for path, value in values.items():
                if path in self.inputs:
                    self.inputs[path].value = "" if value is None and path in OPTIONAL else value
                else:
                    self._fixed[path] = value
        finally:
            self._applying = False
        self._caused.clear()
        self.validate()
        self._refresh_followers()
        return values

    # -- the cells that follow the form ----------------------------------------------------------------

    def follow(self, render: Callable[[ParameterForm], Any]) -> None:
        """Show ``render(form)`` in the calling cell, and show it again after every edit.

        A PraksError from it (a FAIL verdict) fails the cell now, as in a batch run; after an edit it
        is shown in place of the output instead, and the next edit that fixes it shows the output again.
        """
        try:
            shown = render(self)
        except PraksError:
            self._keep(render, display({"text/plain": ""}, raw=True, display_id=True))
            raise
        self._keep(render, display(shown, display_id=True))
        self._shown_state = self._state()

    def _keep(self, render: Callable[[ParameterForm], Any], handle: Any) -> None:
        if handle is not None:  # None outside IPython: nothing to update there
            self._followers.append((render, handle))

    def _state(self) -> str:
        return json.dumps([self.planned.model_dump(mode="json"), [str(f) for f in self.findings]], sort_keys=True)

    def _refresh_followers(self) -> None:
        state = self._state()
        if state == self._shown_state:
            return
        self._shown_state = state
        for render, handle in self._followers:
            try:
                shown = render(self)
            except Exception as error:  # a follower must never break the form: say why it is not shown
                shown = Problem(error)
            handle.update(shown)

    # -- saving ---------------------------------------------------------------------------------------

    def _default_save_path(self, save_to: str | Path | None) -> Path:
        """Beside the parameter file the form started from (so its relative paths still hold), as the
        notebook's working directory reaches it."""
        if save_to:
            return Path(save_to)
        target = (self._source_dir or Path.cwd()) / f"{self._base['name']}-plan.yaml"
        return Path(os.path.relpath(target, Path.cwd()))

    def parameter_file(self) -> str:
        """The form's values as a parameter file: every value that differs from praks's defaults."""
        values = _differences(self._data(), _underived(Deployment())) or {}
        values.pop("scenario", None)  # written out in full, the file no longer builds on the scenario
        built_on = f" (it built on scenario {self._base['scenario']})" if self._base.get("scenario") else ""
        return (f"# Saved from 00_plan's form on {clock.today()}: every value that differs from praks's defaults"
                f"{built_on}.\n" + yaml.safe_dump(values, sort_keys=False))

    def save(self, path: str | Path | None = None) -> Path:
        """Write the form's values as a parameter file (praks run -d FILE, or deployment_file = FILE)."""
        target = Path(path or self.save_path.value).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.parameter_file())
        return target

    def _save_clicked(self) -> None:
        try:
            target = self.save()
        except OSError as error:
            self.save_status.value = f'<span style="color:#D55E00">Not saved: {html.escape(str(error))}</span>'
            return
        errors = sum(f.severity == "error" for f in self.findings)
        warning = (f' <b style="color:#D55E00">It still has {errors} error(s): 00_plan will refuse it.</b>'
                   if errors else "")
        self.save_status.value = (f'<span style="color:#009E73">Saved {html.escape(str(target))}.</span>{warning} '
                                  f'Run with it: <code>praks run -d {html.escape(str(target))}</code>, or set '
                                  "<code>deployment_file</code> to it in a notebook's first cell.")

    # -- where widgets cannot render ------------------------------------------------------------------

    def __repr__(self) -> str:
        lines = ["Parameter form (in JupyterLab, run the notebook to edit it):"]
        for path, label in FORM_FIELDS:
            lines.append(f"  {label:<22} {self._shown_value(path)}")
        errors = [f for f in self.findings if f.severity == "error"]
        lines.append(f"  {len(errors)} error(s), {len(self.findings) - len(errors)} other finding(s)")
        return "\n".join(lines)

    def _shown_value(self, path: str) -> str:
        field = self.inputs[path]
        return field.label if isinstance(field, widgets.Dropdown) else str(field.value)

    def _repr_html_(self) -> str:
        rows = "".join(
            f'<tr><td style="text-align:left;padding:2px 12px 2px 0;color:#52606D">{html.escape(label)}</td>'
            f'<td style="text-align:left;padding:2px 0"><code>{html.escape(self._shown_value(path))}'
            f'</code>{_finding_lines([f for f in self.findings if _concerns(f, path)])}</td></tr>'
            for path, label in FORM_FIELDS)
        return ('<div style="color:#52606D;font-style:italic">The parameter form — run the notebook to edit it; '
                "its values as the parameter file gives them:</div>"
                f'<table style="border-collapse:collapse;margin-left:0">{rows}</table>{self.summary.value}')

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle.update({"text/plain": repr(self), "text/html": self._repr_html_()})
        return bundle


_SPINNER = ('<svg width="12" height="12" viewBox="0 0 50 50" style="vertical-align:-1px">'
            '<circle cx="25" cy="25" r="20" fill="none" stroke="#0072B2" stroke-width="6" stroke-dasharray="90 150">'
            '<animateTransform attributeName="transform" type="rotate" from="0 25 25" to="360 25 25" dur="0.9s" '
            'repeatCount="indefinite"/></circle></svg>')


class _Live(widgets.HTML):
    """The progress line while it runs. Where widgets cannot render (a saved notebook), nothing: the
    lines printed at the end say what happened."""

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = ""
        return bundle


class Progress:
    """A long wait, shown while it lasts: in JupyterLab one line per step, the current one with a spinner
    and its latest note (``… 3 of 13 requests not in the log yet``), updated in place; when it ends, one
    printed line per step (✓, or ✗ for the step that failed), which is what a saved notebook and a
    headless run keep. Use it as ``with progress("Creating the firewall") as waiting: …``.

    The live line is a widget, not a display updated in place: a saved notebook then holds exactly the
    printed lines whichever way it was run (nbval does not replay display updates).
    """

    def __init__(self, title: str):
        self.lines: list[list[str]] = [[title, "", "running"]]  # text, note, running | done | failed
        self._live: _Live | None = None

    def __enter__(self) -> Progress:
        if get_ipython() is not None:
            self._live = _Live(self._html())
            display(self._live)
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        line = self.lines[-1]
        line[2], line[1] = ("failed" if error_type else "done"), ""
        if self._live is not None:
            self._live.layout.display = "none"
        print(repr(self))

    def step(self, text: str) -> None:
        """The current step is done; `text` is the next."""
        self.lines[-1][1:] = ["", "done"]
        self.lines.append([text, "", "running"])
        self._show()

    def note(self, text: str) -> None:
        """News about the current step (what it is waiting for), replacing the previous note."""
        self.lines[-1][1] = text
        self._show()

    def _show(self) -> None:
        if self._live is not None:
            self._live.value = self._html()

    @staticmethod
    def _line(line: list[str]) -> str:
        text, note, state = line
        mark = {"done": "✓", "failed": "✗", "running": "…"}[state]
        return f"{mark} {text}" + (f" — {note}" if note else "")

    def __repr__(self) -> str:
        return "\n".join(self._line(line) for line in self.lines)

    def _html(self) -> str:
        rows = []
        for text, note, state in self.lines:
            mark = {"done": '<span style="color:#009E73">✓</span>', "failed": '<span style="color:#D55E00">✗</span>',
                    "running": _SPINNER}[state]
            detail = f' <span style="color:#52606D">— {html.escape(note)}</span>' if note else ""
            rows.append(f"<div>{mark} {html.escape(text)}{detail}</div>")
        return '<div style="font-family:var(--jp-code-font-family, monospace);font-size:90%">' + "".join(rows) + "</div>"


def progress(title: str) -> Progress:
    """A progress line for a long wait (see Progress); nothing waits for anyone."""
    return Progress(title)


def parameter_form(deployment: Deployment, save_to: str | Path | None = None) -> ParameterForm:
    """A form for the deployment's key parameters, checked as you type; returns at once, never waits."""
    return ParameterForm(deployment, save_to)
