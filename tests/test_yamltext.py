"""praks_lib.yamltext reads YAML exactly as PyYAML's pure-Python safe loader does, errors included."""
import pytest
import yaml

from praks_lib import yamltext

TEXTS = [
    "name: dzpraks1\naks: {node_pool: {count: 2}}\nchecked: 2026-01-02\n",
    "base: &b {a: 1}\nmine:\n  <<: *b\n  c: [1, 2.5, yes, null, '0x1F']\n",
    "a:\tb\n",  # libyaml takes the tab; PyYAML refuses it
    "a: [1,\t2]\n",
    "a: b: c\n",
    "name: [dzpraks1\n",
    'a: "\\ud800"\n',  # libyaml refuses the surrogate; PyYAML takes it
]


def _pure(text, how=yaml.load):
    try:
        return how(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        return f"{type(error).__name__}: {error}"


def _ours(text, how=yamltext.one_document):
    try:
        return yamltext.read(text, how)
    except yaml.YAMLError as error:
        return f"{type(error).__name__}: {error}"


@pytest.mark.parametrize("text", TEXTS)
def test_a_text_reads_as_pyyaml_reads_it(text):
    assert _ours(text) == _pure(text)


def test_every_document_of_a_stream():
    text = "---\nkind: Pod\n---\n---\nkind: Service\n"
    assert _ours(text, yamltext.all_documents) == list(_pure(text, yaml.load_all)) == [
        {"kind": "Pod"}, None, {"kind": "Service"}]


def test_a_mixin_overrides_the_loader_and_its_error_shows_the_line():
    class NoLists:
        def construct_sequence(self, node, deep=False):
            raise yaml.constructor.ConstructorError(None, None, "no lists here", node.start_mark)

    with pytest.raises(yaml.YAMLError) as error:
        yamltext.read("a: 1\nb: [2]\n", rules=NoLists)
    assert 'line 2, column 4:\n    b: [2]\n       ^' in str(error.value)
