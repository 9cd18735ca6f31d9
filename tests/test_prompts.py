"""Prompt files: the packaged ones, user overrides, validation and tier selection."""

from __future__ import annotations

from string import Template

import pytest

from wirebrief.engines.base import GenerationParams
from wirebrief.errors import PromptError, UsageError
from wirebrief.prompts import (
    CHUNK_PROMPT,
    DEFAULT_TIERS,
    Budget,
    Prompt,
    load_prompt,
    load_prompts,
    select_tiers,
    tier_names,
)

VALID = """\
description = "A test tier"
order = 5
template = "Say it short: $text"

[generation]
max_new_tokens = 20

[budget]
max_words = 10
"""


@pytest.fixture(scope="module")
def packaged():
    return load_prompts()


def write_prompt(folder, name: str, text: str):
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# The packaged prompts


def test_packaged_prompts_load_with_chunk_and_default_tiers(packaged):
    assert set(packaged) == {CHUNK_PROMPT, *DEFAULT_TIERS}
    for name, prompt in packaged.items():
        assert prompt.name == name
        assert prompt.path is not None and prompt.path.name == f"{name}.toml"
        assert "$text" in prompt.template.template


def test_default_tiers_in_order(packaged):
    assert [prompt.name for prompt in select_tiers(packaged, None)] == [
        "headline",
        "lede",
        "summary",
        "key_points",
    ]
    assert tier_names(packaged) == ["headline", "lede", "summary", "key_points"]


@pytest.mark.parametrize(
    ("name", "budget"),
    [
        ("headline", {"max_words": 14}),
        ("lede", {"max_sentences": 1, "max_words": 40}),
        ("summary", {"max_words": 120}),
        ("key_points", {"min_items": 3, "max_items": 7}),
    ],
)
def test_default_tier_budgets(packaged, name, budget):
    assert packaged[name].budget.as_dict().items() >= budget.items()


def test_only_key_points_is_a_list_tier(packaged):
    assert [name for name, prompt in packaged.items() if prompt.is_list] == ["key_points"]


def test_render_fills_the_text(packaged):
    rendered = packaged["headline"].render(text="Het kabinet is gevallen.")
    assert rendered.endswith(": Het kabinet is gevallen.")
    assert "$" not in rendered


# --------------------------------------------------------------------------------------------
# A user folder


def test_user_folder_overrides_a_tier_and_adds_one(tmp_path, packaged):
    write_prompt(tmp_path, "headline", VALID.replace("order = 5", "order = 1"))
    write_prompt(tmp_path, "background", VALID.replace("order = 5", "order = 10"))
    prompts = load_prompts(tmp_path)
    assert prompts["headline"].template.template == "Say it short: $text"
    assert prompts["headline"].path == tmp_path / "headline.toml"
    assert prompts["lede"].template.template == packaged["lede"].template.template
    assert tier_names(prompts) == ["headline", "lede", "summary", "key_points", "background"]
    # A new tier is available on request, not part of the default selection.
    assert "background" not in [p.name for p in select_tiers(prompts, None)]
    assert [p.name for p in select_tiers(prompts, "background,headline")] == ["headline", "background"]


def test_user_folder_must_exist(tmp_path):
    with pytest.raises(PromptError, match="does not exist"):
        load_prompts(tmp_path / "missing")


def test_a_valid_prompt_file_loads_every_field(tmp_path):
    text = VALID.replace(
        'template = "Say it short: $text"', 'template = "In $style: $text"\nmode = "sections"'
    )
    text += '\n[variables]\nstyle = "plain English"\n'
    prompt = load_prompt(write_prompt(tmp_path, "styled", text))
    assert (prompt.name, prompt.description, prompt.order, prompt.mode) == (
        "styled",
        "A test tier",
        5,
        "sections",
    )
    assert prompt.params == GenerationParams(max_new_tokens=20)
    assert prompt.budget == Budget(max_words=10)
    assert prompt.render(text="x") == "In plain English: x"
    assert prompt.render(text="x", style="Dutch") == "In Dutch: x"


# --------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (VALID.replace("$text", "the article"), r"must use \$text"),
        (VALID.replace("$text", "$text in $style"), r"uses \$style with no default"),
        (VALID.replace("$text", "$text for $5"), r"stray `\$`"),
        ('colour = "red"\n' + VALID, "unknown key colour"),
        (
            VALID.replace("max_new_tokens = 20", "temperature = 0.7"),
            "unknown generation parameter temperature",
        ),
        (
            VALID.replace("max_new_tokens = 20", "max_new_tokens = -5"),
            "max_new_tokens must be a non-negative number",
        ),
        (VALID.replace("max_new_tokens = 20", "max_new_tokens = 0"), "at least 1"),
        (
            VALID.replace("max_new_tokens = 20", 'num_beams = "four"'),
            "num_beams must be a non-negative number",
        ),
        (
            VALID.replace("max_words = 10", "max_words = -3"),
            "budget max_words must be a whole number of at least 1",
        ),
        (VALID.replace("max_words = 10", "maximum_words = 3"), "unknown budget key maximum_words"),
        (
            VALID.replace("max_words = 10", "min_items = 5\nmax_items = 3"),
            "min_items is larger than max_items",
        ),
        (VALID.replace('template = "Say it short: $text"', 'template = ""'), "non-empty string"),
        (VALID.replace("order = 5", 'mode = "bullets"'), "`mode` must be one of text, sections"),
        (VALID.replace("order = 5", 'order = "first"'), "`order` must be a whole number"),
        (VALID.replace("order = 5", "order = = 5"), "is not valid TOML"),
    ],
    ids=[
        "no-text",
        "undeclared-variable",
        "stray-dollar",
        "unknown-key",
        "unknown-generation-param",
        "negative-generation-param",
        "zero-max-new-tokens",
        "string-generation-param",
        "negative-budget",
        "unknown-budget-key",
        "min-over-max-items",
        "empty-template",
        "bad-mode",
        "bad-order",
        "bad-toml",
    ],
)
def test_invalid_prompt_file_names_the_file(tmp_path, text, message):
    path = write_prompt(tmp_path, "broken", text)
    with pytest.raises(PromptError, match=message) as caught:
        load_prompt(path)
    assert str(path) in str(caught.value)
    assert caught.value.exit_code == 6


def test_an_invalid_user_prompt_fails_load_prompts(tmp_path):
    write_prompt(tmp_path, "headline", VALID.replace("$text", "nothing"))
    with pytest.raises(PromptError, match="headline.toml"):
        load_prompts(tmp_path)


def test_render_with_a_missing_variable():
    prompt = Prompt(name="custom", template=Template("In $style: $text"))
    with pytest.raises(PromptError, match=r"prompt custom: no value for \$style"):
        prompt.render(text="x")


def test_render_without_text(packaged):
    with pytest.raises(PromptError, match=r"no value for \$text"):
        packaged["lede"].render()


# --------------------------------------------------------------------------------------------
# Selecting tiers


def test_select_tiers_orders_shortest_first_and_drops_duplicates(packaged):
    chosen = select_tiers(packaged, " key_points, headline ,summary,headline")
    assert [prompt.name for prompt in chosen] == ["headline", "summary", "key_points"]


def test_select_unknown_tier_lists_valid_ones(packaged):
    with pytest.raises(UsageError, match="unknown tier headlines") as caught:
        select_tiers(packaged, "headline,headlines")
    assert caught.value.hint == "choose from headline, lede, summary, key_points"
    assert caught.value.exit_code == 2


def test_chunk_prompt_is_not_a_tier(packaged):
    with pytest.raises(UsageError, match=f"unknown tier {CHUNK_PROMPT}"):
        select_tiers(packaged, CHUNK_PROMPT)


@pytest.mark.parametrize("requested", ["", " , ,"])
def test_select_empty_tiers(packaged, requested):
    with pytest.raises(UsageError, match="--tiers is empty") as caught:
        select_tiers(packaged, requested)
    assert "headline" in caught.value.hint


def test_fractional_integer_generation_parameter_is_refused(tmp_path):
    path = write_prompt(tmp_path, "broken", VALID.replace("max_new_tokens = 20", "num_beams = 2.5"))
    with pytest.raises(PromptError, match="num_beams"):
        load_prompt(path)


def test_tiers_none_selects_no_tier():
    from wirebrief.prompts import load_prompts, select_tiers

    assert select_tiers(load_prompts(), "none") == []
    assert select_tiers(load_prompts(), " None ") == []
