"""Settings precedence: flag > environment > config file > default, and readable errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wirebrief.config import DEFAULT_SUMMARY_MODEL, DEFAULT_TRANSLATION_MODEL, Settings, resolve_settings
from wirebrief.errors import ConfigError


@pytest.fixture
def config_file(tmp_path):
    """Write a config file and return the environment that points at it."""

    def write(text: str, **extra_env: str) -> dict[str, str]:
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        return {"WIREBRIEF_CONFIG": str(path), **extra_env}

    return write


@pytest.fixture
def no_config(tmp_path):
    """An environment with no config file at all (and none read from the real home)."""
    return {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}


def test_defaults_when_nothing_is_set(no_config):
    settings = resolve_settings({}, no_config)
    assert settings == Settings()
    assert settings.translation_model == DEFAULT_TRANSLATION_MODEL
    assert settings.summary_model == DEFAULT_SUMMARY_MODEL
    assert (settings.device, settings.num_beams, settings.offline) == ("auto", 4, False)
    assert set(settings.origins.values()) == {"default"}


def test_config_file_overrides_defaults(config_file):
    env = config_file('num_beams = 2\ndevice = "cpu"\noffline = true\nprompts_dir = "~/prompts"\n')
    settings = resolve_settings({}, env)
    assert (settings.num_beams, settings.device, settings.offline) == (2, "cpu", True)
    assert settings.prompts_dir == Path("~/prompts").expanduser()
    assert settings.origins["num_beams"] == "config"
    assert settings.origins["translation_model"] == "default"


def test_environment_overrides_config_file(config_file):
    env = config_file("num_beams = 2\nbatch_size = 8\n", WIREBRIEF_NUM_BEAMS="3")
    settings = resolve_settings({}, env)
    assert (settings.num_beams, settings.batch_size) == (3, 8)
    assert settings.origins["num_beams"] == "env"
    assert settings.origins["batch_size"] == "config"


def test_flag_overrides_environment_and_config_file(config_file):
    env = config_file("num_beams = 2\n", WIREBRIEF_NUM_BEAMS="3")
    settings = resolve_settings({"num_beams": 5, "device": None}, env)
    assert settings.num_beams == 5
    assert settings.origins["num_beams"] == "flag"
    # A flag given as None was not given: the default stands.
    assert (settings.device, settings.origins["device"]) == ("auto", "default")


def test_empty_environment_variable_counts_as_unset(config_file):
    env = config_file("num_beams = 2\n", WIREBRIEF_NUM_BEAMS="")
    settings = resolve_settings({}, env)
    assert (settings.num_beams, settings.origins["num_beams"]) == (2, "config")


def test_config_file_found_under_xdg_config_home(tmp_path):
    folder = tmp_path / "xdg" / "wirebrief"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('summary_model = "google/flan-t5-small"\n', encoding="utf-8")
    settings = resolve_settings({}, {"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert settings.summary_model == "google/flan-t5-small"
    assert settings.origins["summary_model"] == "config"


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_hf_hub_offline_switches_offline_on(no_config, value):
    settings = resolve_settings({}, {**no_config, "HF_HUB_OFFLINE": value})
    assert settings.offline is True
    assert settings.origins["offline"] == "HF_HUB_OFFLINE"
    # The Hugging Face switch keeps models off the network, not articles: URLs may be fetched.
    assert settings.fetch_offline is False


@pytest.mark.parametrize("how", ["flag", "env"])
def test_wirebriefs_own_offline_switch_also_refuses_urls(no_config, how):
    if how == "flag":
        settings = resolve_settings({"offline": True}, {**no_config, "HF_HUB_OFFLINE": "1"})
    else:
        settings = resolve_settings({}, {**no_config, "WIREBRIEF_OFFLINE": "1"})
    assert settings.offline is True and settings.fetch_offline is True


def test_hf_hub_offline_does_not_override_an_explicit_choice(no_config):
    settings = resolve_settings({"offline": False}, {**no_config, "HF_HUB_OFFLINE": "1"})
    assert settings.offline is False
    assert settings.origins["offline"] == "flag"


@pytest.mark.parametrize(
    ("flags", "env", "message"),
    [
        (
            {},
            {"WIREBRIEF_NUM_BEAMS": "zero"},
            r"num_beams in environment variable WIREBRIEF_NUM_BEAMS must be a whole number from 1 to 64, not 'zero'",
        ),
        ({"num_beams": 0}, {}, r"num_beams in flag must be at least 1, not 0"),
        (
            {},
            {"WIREBRIEF_DEVICE": "gpu"},
            r"device in environment variable WIREBRIEF_DEVICE must be one of auto, cpu, cuda, mps, not 'gpu'",
        ),
        ({"device": "gpu"}, {}, r"device in flag must be one of auto, cpu, cuda, mps"),
        (
            {},
            {"WIREBRIEF_OFFLINE": "sometimes"},
            r"offline in environment variable WIREBRIEF_OFFLINE must be true or false",
        ),
        ({"translation_model": "  "}, {}, r"translation_model in flag must be a non-empty string"),
        ({}, {"WIREBRIEF_ENGINE": "onnx"}, r"engine in environment variable WIREBRIEF_ENGINE must be one of auto, torch, ctranslate2"),
        ({"retries": -1}, {}, r"retries in flag must be at least 0, not -1"),
        ({}, {"WIREBRIEF_USE_CACHE": "maybe"}, r"use_cache in environment variable WIREBRIEF_USE_CACHE must be true or false"),
    ],
)
def test_bad_values_are_config_errors(no_config, flags, env, message):
    with pytest.raises(ConfigError, match=message) as caught:
        resolve_settings(flags, {**no_config, **env})
    assert caught.value.exit_code == 6


def test_bad_value_in_config_file_names_the_file(config_file):
    env = config_file('num_beams = "zero"\n')
    expected = f"num_beams in config file {env['WIREBRIEF_CONFIG']} must be a whole number from 1 to 64, not 'zero'"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        resolve_settings({}, env)


def test_unknown_key_in_config_file(config_file):
    env = config_file("num_beam = 2\n")
    with pytest.raises(ConfigError, match=r"config\.toml: unknown setting num_beam") as caught:
        resolve_settings({}, env)
    assert "num_beams" in caught.value.hint
    assert "known settings" in caught.value.one_line()


def test_invalid_toml(config_file):
    env = config_file("num_beams = = 2\n")
    with pytest.raises(ConfigError, match=r"config\.toml is not valid TOML"):
        resolve_settings({}, env)


def test_missing_wirebrief_config_file_is_an_error(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=re.escape(f"config file {missing} does not exist")):
        resolve_settings({}, {"WIREBRIEF_CONFIG": str(missing)})


def test_missing_default_config_file_is_fine(no_config):
    assert resolve_settings({}, no_config).origins["num_beams"] == "default"


def test_unknown_flag_is_a_programming_error(no_config):
    with pytest.raises(ValueError, match="unknown settings"):
        resolve_settings({"beams": 2}, no_config)


def test_empty_wirebrief_config_is_treated_as_unset(no_config):
    settings = resolve_settings({}, {**no_config, "WIREBRIEF_CONFIG": ""})
    assert settings.origins["num_beams"] == "default"


def test_unrecognised_hf_hub_offline_is_ignored_or_named(no_config):
    # huggingface_hub reads any value but 1/true/yes/on as "not offline"; refusing it is fine
    # too, as long as the message names the variable the user actually set.
    try:
        settings = resolve_settings({}, {**no_config, "HF_HUB_OFFLINE": "maybe"})
    except ConfigError as error:
        assert "HF_HUB_OFFLINE" in str(error)
    else:
        assert settings.offline is False


def test_fractional_number_is_refused(config_file):
    with pytest.raises(ConfigError, match="whole number"):
        resolve_settings({}, config_file("num_beams = 2.5\n"))


def test_batch_settings_from_environment_and_file(config_file):
    env = config_file('engine = "torch"\ncache = "~/wire-cache.sqlite3"\nretries = 0\n', WIREBRIEF_USE_CACHE="0")
    settings = resolve_settings({}, env)
    assert (settings.engine, settings.retries, settings.use_cache) == ("torch", 0, False)
    assert settings.cache == Path("~/wire-cache.sqlite3").expanduser()
    assert settings.origins["use_cache"] == "env" and settings.origins["retries"] == "config"
    assert resolve_settings({"engine": "ctranslate2"}, env).engine == "ctranslate2"


def test_user_cache_dir_follows_xdg(tmp_path):
    from wirebrief.config import user_cache_dir

    assert user_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "wirebrief"
    assert user_cache_dir({}) == Path.home() / ".cache" / "wirebrief"


# --------------------------------------------------------------------------------------------
# Every value checked for type and range, from every source, whatever overrides it.


def config_error(flags, env) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        resolve_settings(flags, env)
    assert caught.value.exit_code == 6
    assert "\n" not in caught.value.one_line()
    return caught.value


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("cache = 12", "cache in config file {path} must be a path (a string), not 12"),
        ("glossary = true", "glossary in config file {path} must be a path (a string), not True"),
        ("prompts_dir = []", "prompts_dir in config file {path} must be a path (a string), not []"),
        ('cache = ""', "cache in config file {path} must be a non-empty string, not ''"),
        ('num_beams = "4"', "num_beams in config file {path} must be a whole number from 1 to 64, not '4'"),
        ("num_beams = true", "num_beams in config file {path} must be a whole number from 1 to 64, not True"),
        ('offline = "yes"', "offline in config file {path} must be true or false, not 'yes'"),
        ("use_cache = 1", "use_cache in config file {path} must be true or false, not 1"),
        ("device = 1", "device in config file {path} must be a non-empty string, not 1"),
        ("[translation_model]\nname = 'x'", "translation_model in config file {path} must be a non-empty string, not {{'name': 'x'}}"),
        ('summary_model = "a\\u0000b"', "summary_model in config file {path} must be a string without control characters"),
        ("engine = 2024-01-01", "engine in config file {path} must be a non-empty string, not datetime.date(2024, 1, 1)"),
    ],
)
def test_a_wrong_typed_value_in_the_config_file_is_named_with_the_file(config_file, line, expected):
    env = config_file(line + "\n")
    error = config_error({}, env)
    assert expected.format(path=env["WIREBRIEF_CONFIG"]) in str(error)


def test_a_huge_number_is_refused_before_it_reaches_an_engine(config_file):
    env = config_file("num_beams = 100000000000000000000\n")
    error = config_error({}, env)
    assert str(error) == f"num_beams in config file {env['WIREBRIEF_CONFIG']} must be at most 64, not 100000000000000000000"


@pytest.mark.parametrize(("name", "most"), [("num_beams", 64), ("batch_size", 8192), ("max_batch_tokens", 4_194_304), ("retries", 10), ("threads", 4_096)])
def test_each_whole_number_has_an_upper_bound_from_every_source(config_file, name, most):
    from wirebrief.config import LIMITS

    assert LIMITS[name][1] == most
    assert getattr(resolve_settings({name: most}, config_file("")), name) == most
    assert getattr(resolve_settings({}, config_file(f"{name} = {most}\n")), name) == most
    assert "must be at most" in str(config_error({name: most + 1}, config_file("")))
    assert "must be at most" in str(config_error({}, config_file("", **{f"WIREBRIEF_{name.upper()}": str(most + 1)})))
    assert "must be at most" in str(config_error({}, config_file(f"{name} = {most + 1}\n")))


@pytest.mark.parametrize(
    ("file_text", "env", "flags", "named"),
    [
        ('num_beams = "four"\n', {}, {"num_beams": 2}, "num_beams in config file"),
        ("cache = 12\n", {"WIREBRIEF_CACHE": "/tmp/c.sqlite3"}, {}, "cache in config file"),
        ("glossary = true\n", {}, {"glossary": "terms.tsv"}, "glossary in config file"),
        ("", {"WIREBRIEF_NUM_BEAMS": "10^20"}, {"num_beams": 2}, "num_beams in environment variable WIREBRIEF_NUM_BEAMS"),
        ("", {"WIREBRIEF_OFFLINE": "sometimes"}, {"offline": True}, "offline in environment variable WIREBRIEF_OFFLINE"),
        ("retries = 11\n", {"WIREBRIEF_RETRIES": "1"}, {}, "retries in config file"),
    ],
)
def test_a_bad_value_is_an_error_even_where_a_higher_source_overrides_it(config_file, file_text, env, flags, named):
    assert named in str(config_error(flags, config_file(file_text, **env)))


def test_environment_numbers_and_switches_are_parsed_from_text(config_file):
    env = config_file("", WIREBRIEF_NUM_BEAMS=" 8 ", WIREBRIEF_OFFLINE="yes", WIREBRIEF_CACHE="~/c.sqlite3")
    settings = resolve_settings({}, env)
    assert (settings.num_beams, settings.offline, settings.cache) == (8, True, Path("~/c.sqlite3").expanduser())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (bytes(range(256)), "is not UTF-8 text (byte 0x80 at offset 128)"),
        (b"\xff\xfe\x00\x01garbage", "is not UTF-8 text (byte 0xff at offset 0)"),
        (b"\x00\x01\x02 not toml at all", "is not valid TOML"),
        (b"num_beams = " + b"9" * 5000 + b"\n", "is not valid TOML"),
    ],
)
def test_a_config_file_of_other_bytes_is_a_config_error(tmp_path, content, expected):
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    error = config_error({}, {"WIREBRIEF_CONFIG": str(path)})
    assert f"config file {path} {expected}" in str(error)
    assert len(error.one_line()) < 400


def test_random_bytes_of_every_seed_are_a_config_error_not_a_crash(tmp_path):
    import random

    path = tmp_path / "config.toml"
    for seed in range(50):
        path.write_bytes(random.Random(seed).randbytes(200))
        config_error({}, {"WIREBRIEF_CONFIG": str(path)})


def test_a_config_file_that_never_ends_is_refused(tmp_path):
    error = config_error({}, {"WIREBRIEF_CONFIG": "/dev/zero"})
    assert "larger than 1024 KiB" in str(error)


def test_a_folder_as_config_file_is_a_config_error(tmp_path):
    assert "cannot be read" in str(config_error({}, {"WIREBRIEF_CONFIG": str(tmp_path)}))


def test_a_byte_order_mark_is_not_content(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes("\ufeffnum_beams = 2\n".encode())
    assert resolve_settings({}, {"WIREBRIEF_CONFIG": str(path)}).num_beams == 2


def test_a_path_naming_an_unknown_home_is_a_config_error(config_file):
    error = config_error({}, config_file('cache = "~no-such-user-wirebrief/c.sqlite3"\n'))
    assert "cache in config file" in str(error) and "home folder" in str(error)


def test_a_long_bad_value_is_cut_short_in_the_one_line(config_file):
    error = config_error({}, config_file(f'device = "{"x" * 5000}"\n'))
    assert len(error.one_line()) < 400


def test_the_command_line_exits_6_in_one_line_for_a_bad_config_file(tmp_path):
    import os
    import subprocess
    import sys

    path = tmp_path / "config.toml"
    path.write_bytes(bytes(range(256)))
    env = {**os.environ, "WIREBRIEF_CONFIG": str(path)}
    result = subprocess.run(
        [sys.executable, "-m", "wirebrief", "models", "list", "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 6, result.stderr
    assert result.stderr.count("\n") == 1 and "is not UTF-8 text" in result.stderr


@pytest.mark.parametrize(("field", "value"), [("num_beams", 10**20), ("batch_size", 0), ("retries", 11), ("device", "gpu"), ("num_beams", "4")])
def test_settings_built_in_python_are_checked_too(field, value):
    with pytest.raises(ConfigError, match=f"{field} in Settings must be"):
        Settings(**{field: value})


def test_threads_default_to_the_cpus_this_process_may_use(no_config):
    import os

    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    settings = resolve_settings({}, no_config)
    assert settings.threads == expected and settings.origins["threads"] == "default"


def test_threads_from_every_source(config_file):
    assert resolve_settings({}, config_file("threads = 2\n")).threads == 2
    assert resolve_settings({}, config_file("threads = 2\n", WIREBRIEF_THREADS="1")).threads == 1
    assert resolve_settings({"threads": 3}, config_file("threads = 2\n", WIREBRIEF_THREADS="1")).threads == 3
    with pytest.raises(ConfigError, match="threads in environment variable WIREBRIEF_THREADS must be at least 1"):
        resolve_settings({}, config_file("", WIREBRIEF_THREADS="0"))
    with pytest.raises(ConfigError, match="threads in config file .* must be a whole number"):
        resolve_settings({}, config_file('threads = "many"\n'))
