"""Every YAML read of praks_lib: libyaml's C parser where PyYAML has it, PyYAML's pure-Python one otherwise.

The C parser reads the facts, rule sets and parameter files many times faster. Results stay exactly
PyYAML's: a text that fails in C is read again in Python, so an error says what PyYAML says (with
the line and its text shown, which libyaml's marks lack), and a text with a tab is read in Python
only, since libyaml takes tabs where PyYAML refuses them (``a: [1,\\t2]``).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


def one_document(loader: yaml.SafeLoader) -> Any:
    return loader.get_single_data()


def all_documents(loader: yaml.SafeLoader) -> list[Any]:
    documents = []
    while loader.check_data():
        documents.append(loader.get_data())
    return documents


def read(text: str, how: Callable[[Any], T] = one_document, rules: type | None = None) -> T:
    """``how`` applied to a safe loader of ``text`` (e.g. ``read(text)``: its one document).

    ``rules`` is a mixin whose methods override the safe loader's (its construct_mapping, say); ``how``
    may call any loader method (get_single_node, construct_document) and raise errors of its own."""
    if "\t" not in text and yaml.__with_libyaml__:
        try:
            return _run(_loader(yaml.CSafeLoader, rules), text, how)
        except yaml.YAMLError:
            pass  # read again below: PyYAML's own error, word for word
    return _run(_loader(yaml.SafeLoader, rules), text, how)


def _run(loader_class: type, text: str, how: Callable[[Any], T]) -> T:
    loader = loader_class(text)
    try:
        return how(loader)
    finally:
        loader.dispose()


@cache
def _loader(base: type, rules: type | None) -> type:
    return base if rules is None else type(f"{rules.__name__}{base.__name__}", (rules, base), {})
