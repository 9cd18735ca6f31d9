"""The error hierarchy: one exit code per category, one line per message."""

from __future__ import annotations

import pytest

from wirebrief.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_CODES,
    EXIT_CHECKS,
    EXIT_INTERRUPTED,
    EXIT_PARTIAL,
    ConfigError,
    FetchError,
    GenerationError,
    InputError,
    ModelError,
    ModelNotFoundError,
    OutputError,
    PromptError,
    UsageError,
    WirebriefError,
)

#: The direct categories; each must have a code of its own.
CATEGORIES = (UsageError, InputError, FetchError, ModelError, GenerationError, ConfigError, OutputError)


def all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *all_subclasses(sub)]
    return found


def test_every_error_class_has_a_documented_exit_code():
    classes = [WirebriefError, *all_subclasses(WirebriefError)]
    # The hierarchy is what this module defines; a new class must be added to the table too.
    assert set(CATEGORIES) <= set(classes)
    for cls in classes:
        assert cls.exit_code in EXIT_CODES, f"{cls.__name__}.exit_code {cls.exit_code} is not in EXIT_CODES"


def test_categories_have_distinct_codes_apart_from_success_bug_and_interrupt():
    codes = [cls.exit_code for cls in CATEGORIES]
    assert len(set(codes)) == len(codes)
    assert not set(codes) & {0, 1, EXIT_INTERRUPTED, EXIT_PARTIAL, EXIT_CHECKS}
    assert WirebriefError.exit_code == 1


@pytest.mark.parametrize(("sub", "parent"), [(ModelNotFoundError, ModelError), (PromptError, ConfigError)])
def test_specialised_errors_share_their_category_code(sub, parent):
    assert issubclass(sub, parent)
    assert sub.exit_code == parent.exit_code


def test_exit_code_table_lists_only_known_codes():
    known = {0, 1, EXIT_INTERRUPTED, EXIT_PARTIAL, EXIT_CHECKS, EXIT_BROKEN_PIPE, *(cls.exit_code for cls in CATEGORIES)}
    assert set(EXIT_CODES) == known
    assert all(description.strip() for description in EXIT_CODES.values())


def test_one_line_joins_message_and_hint_on_a_single_line():
    error = InputError("article.txt\nis binary,\n\tnot text", hint="save it as\nplain text")
    line = error.one_line()
    assert "\n" not in line and "\t" not in line
    assert line == "article.txt is binary, not text (save it as plain text)"


def test_one_line_without_hint_has_no_parentheses():
    assert UsageError("unknown tier  foo").one_line() == "unknown tier foo"


def test_hint_given_to_one_instance_does_not_leak_to_the_class():
    UsageError("x", hint="a hint")
    assert UsageError.hint is None
    assert UsageError("y").one_line() == "y"
