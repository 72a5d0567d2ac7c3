"""The public surface: every name ``tgkit`` lists resolves, and the error tree is whole."""

import inspect

import tgkit
from tgkit import errors


def test_every_public_name_resolves() -> None:
    for name in tgkit.__all__:
        assert getattr(tgkit, name) is not None, name


def test_unknown_names_are_attribute_errors() -> None:
    try:
        tgkit.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("tgkit.no_such_thing resolved")


def test_every_error_is_a_tgkit_error_and_drawn_in_the_tree() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert inspect.isclass(cls) and issubclass(cls, errors.TgkitError), name
        assert name in errors.__doc__, f"{name} is missing from the tree in tgkit/errors.py"
