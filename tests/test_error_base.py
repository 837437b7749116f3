"""One error base: every exception class the app defines derives from ``AppError``, so the
window can tell an error with words for the person from a bug with one check."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import supervision_app
from supervision_app.errors import AppError
from supervision_app.gui.tasks import expected_errors, user_message


def _modules():
    for info in pkgutil.walk_packages(supervision_app.__path__, "supervision_app."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue  # Alembic loads migrations itself; __main__ runs the app
        yield importlib.import_module(info.name)


def test_every_exception_class_in_the_app_derives_from_app_error():
    found, outside = [], []
    for module in _modules():
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, BaseException):
                found.append(f"{module.__name__}.{name}")
                if not issubclass(cls, AppError):
                    outside.append(f"{module.__name__}.{name}")
    assert len(found) >= 30
    assert outside == []


def test_the_window_treats_every_app_error_as_one_with_words_for_the_person():
    from supervision_app.store.supervision_records import NotAllowed

    assert expected_errors() == (AppError,)
    assert user_message(NotAllowed("Only the supervisor can do that.")) == \
        "Only the supervisor can do that."
    assert AppError("Choose a folder first.").reason == "Choose a folder first."
    assert "IT support" in user_message(KeyError("a child's name"))
    assert "child" not in user_message(KeyError("a child's name"))
