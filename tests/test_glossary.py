"""One parameter vocabulary across models (issue 14, item 5).

``docs/glossary.rst`` defines every parameter that two or more estimators share:
its type, the models that have it and the words their docstrings use. These
tests read that page, so a model added or edited later cannot give a shared
name another meaning (or a shared concept another name) without the glossary
saying so; they also check every rename the page records: the old name warns
and does what the new one does.
"""

import inspect
import re
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone

import sklearn_recae
from sklearn_recae.datasets import make_interactions

from ._instances import all_estimators

DOCS = Path(__file__).resolve().parents[1] / "docs"
DEPRECATED = "deprecated"


def _read_glossary():
    """``({term: fields}, [(old, new, where)])`` from docs/glossary.rst.

    A term is a section titled ````name```` underlined with ``~``; its fields
    are the ``:Type:``, ``:Models:``, ``:Wording:`` lines (a field may continue
    on indented lines). The renames are the rows of the table under "Renamed".
    """
    lines = (DOCS / "glossary.rst").read_text(encoding="utf-8").splitlines()
    terms, term, field = {}, None, None
    for line, below in zip(lines, [*lines[1:], ""], strict=True):
        title = re.fullmatch(r"``(\w+)``", line)
        if title and below and set(below) == {"~"}:
            term = terms.setdefault(title.group(1), {})
            field = None
            continue
        if set(line) <= {"-", "~", "="} and line:
            continue
        entry = re.fullmatch(r":(\w+): (.*)", line)
        if term is not None and entry:
            field = entry.group(1)
            term[field] = entry.group(2).strip()
        elif term is not None and field and line.startswith("       "):
            term[field] += " " + line.strip()
        else:
            field = None
    renames, table = [], False
    for line in lines:
        if line.startswith("Renamed in"):
            table = True
        elif table and (
            row := re.fullmatch(r"``(\w+)``\s{2,}``(\w+)``\s{2,}(\S+)", line)
        ):
            renames.append(row.groups())
        elif table and line.startswith("DeepRec"):
            break
    return terms, renames


TERMS, RENAMES = _read_glossary()


def _estimators():
    """Every public estimator class, by name."""
    classes = {}
    for name in sklearn_recae.__all__:
        obj = getattr(sklearn_recae, name)
        if isinstance(obj, type) and issubclass(obj, BaseEstimator):
            classes[name] = obj
    return classes


ESTIMATORS = _estimators()


def _params(cls, *, deprecated=False):
    """The constructor parameters of ``cls``: live ones, or the deprecated ones."""
    return [
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and (p.default == DEPRECATED) is deprecated
    ]


def _param_docs(cls):
    """``{name: (type, description)}`` from the Parameters section of ``cls``."""
    doc = inspect.cleandoc(cls.__doc__)
    body = re.search(
        r"^Parameters\n-+\n(.*?)(?=^\w[\w ]*\n-{3,}\n|\Z)", doc, re.M | re.S
    )
    entries, current = {}, None
    for line in body.group(1).splitlines():
        entry = re.fullmatch(r"(\w+) : (.*)", line)
        if entry:
            current = entry.group(1)
            entries[current] = [entry.group(2), []]
        elif current and line.strip():
            entries[current][1].append(line.strip())
    return {name: (kind, " ".join(text)) for name, (kind, text) in entries.items()}


def _models(term):
    return sorted(name.strip() for name in TERMS[term]["Models"].split(","))


def test_glossary_is_read_and_linked_from_the_index():
    # guards the parser: the page has its terms and renames where the tests look
    assert {"hidden_dims", "latent_dim", "dropout", "l2", "lr"} <= set(TERMS)
    assert all({"Type", "Unit", "Models", "Wording"} <= set(f) for f in TERMS.values())
    assert ("corruption", "dropout", "CDAE") in RENAMES
    assert re.search(r"^   glossary$", (DOCS / "index.rst").read_text(), re.M)


def test_every_shared_parameter_is_in_the_glossary():
    users = defaultdict(list)
    for name, cls in ESTIMATORS.items():
        for param in _params(cls):
            users[param].append(name)
    shared = {param for param, names in users.items() if len(names) > 1}
    missing = sorted(shared - set(TERMS))
    assert not missing, f"shared by two or more models, not in the glossary: {missing}"


@pytest.mark.parametrize("term", sorted(TERMS))
def test_glossary_lists_exactly_the_models_with_the_parameter(term):
    have = sorted(name for name, cls in ESTIMATORS.items() if term in _params(cls))
    assert _models(term) == have


_DOCUMENTED = [
    (name, term)
    for term in sorted(TERMS)
    for name in _models(term)
    if name in ESTIMATORS
]


@pytest.mark.parametrize("name, term", _DOCUMENTED)
def test_docstring_uses_the_glossary_type_and_wording(name, term):
    docs = _param_docs(ESTIMATORS[name])
    assert term in docs, f"{name}'s docstring does not document {term}"
    kind, text = docs[term]
    expected = TERMS[term]["Type"]
    if expected == "{...}":  # a set of options that differs by model
        assert kind.startswith("{"), (name, term, kind)
    else:
        assert kind.startswith(expected), (name, term, kind, expected)
    phrases = re.findall(r'"([^"]+)"', TERMS[term]["Wording"])
    assert phrases, term
    assert any(p.lower() in text.lower() for p in phrases), (
        f"{name}.{term} is documented as {text!r}, without the glossary's "
        f"wording {phrases}"
    )


def test_deprecated_parameters_are_the_glossary_renames():
    listed = {(where, old, new) for old, new, where in RENAMES if where in ESTIMATORS}
    found = {
        (name, old, cls._renamed_params[old])
        for name, cls in ESTIMATORS.items()
        for old in _params(cls, deprecated=True)
    }
    assert found == listed
    for name, old, new in found:
        kind, text = _param_docs(ESTIMATORS[name])[old]
        assert f"default='{DEPRECATED}'" in kind and ".. deprecated:: 0.1" in text
        assert f"``{new}``" in text and "removed in 0.2" in text


def test_retired_names_are_not_reused_in_another_meaning():
    # a retired name that is no glossary term must not come back as a parameter
    retired = {old for old, _, _ in RENAMES} - set(TERMS)
    for name, cls in ESTIMATORS.items():
        assert not retired & set(_params(cls)), name


_VALUES = {"latent_dim": 3, "dropout": 0.3, "code_dropout": 0.3}
_VALUES["embedding_dropout"] = 0.3
_ESTIMATOR_RENAMES = [(w, old, new) for old, new, w in RENAMES if w in ESTIMATORS]


def _instance(name):
    return next(e for e in all_estimators() if type(e).__name__ == name)


@pytest.mark.parametrize("name, old, new", _ESTIMATOR_RENAMES)
def test_renamed_parameter_warns_in_fit_and_acts_as_the_new_one(name, old, new):
    X = make_interactions(n_users=40, n_items=15, density=0.3, random_state=0)
    value = _VALUES[new]
    model = _instance(name)
    assert getattr(model, new) != value
    expected = clone(model).set_params(**{new: value})
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        expected.fit(X)
    given = clone(model).set_params(**{old: value})
    with pytest.warns(
        FutureWarning,
        match=rf"{name}'s parameter '{old}' was renamed '{new}' in 0\.1 and will be "
        rf"removed in 0\.2; pass {name}\({new}={value}\)",
    ):
        given.fit(X)
    assert given._param(new) == value
    np.testing.assert_allclose(given.predict(X), expected.predict(X), rtol=1e-6)


def test_deeprec_hidden_dims_no_longer_hold_the_code():
    X = make_interactions(n_users=40, n_items=15, density=0.3, random_state=0)
    DeepRec = ESTIMATORS["DeepRec"]
    fast = dict(max_epochs=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        new = DeepRec(hidden_dims=(8,), latent_dim=4, **fast).fit(X)
        default = DeepRec()
        default._resolve_params()  # the default network is unchanged
        assert default._param("hidden_dims") == (512, 512)
        assert default._param("latent_dim") == 1024
        empty = DeepRec(hidden_dims=())
        empty._resolve_params()
        assert empty._param("latent_dim") == 1024
    sizes = [layer.out_features for layer in new.net_.module_.encoder[::2]]
    assert sizes == [8, 4]
    # the former meaning (last entry is the code), with latent_dim unset
    old = DeepRec(hidden_dims=(8, 4), **fast)
    with pytest.warns(FutureWarning, match=r"hidden_dims no longer includes the code"):
        old.fit(X)
    np.testing.assert_allclose(old.predict(X), new.predict(X), rtol=1e-6)


def test_rmse_scorer_rename_is_recorded():
    from sklearn_recae import metrics

    assert ("rmse_scorer", "neg_rmse_scorer", "sklearn_recae.metrics") in RENAMES
    with pytest.warns(FutureWarning, match="renamed neg_rmse_scorer"):
        scorer = metrics.rmse_scorer()
    assert repr(scorer) == repr(metrics.neg_rmse_scorer())
