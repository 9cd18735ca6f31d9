"""The command line: formats, streams, bad input and exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wirebrief.cli import cli
from wirebrief.errors import InputError

SHORT_ARTICLE = (
    "date 2025-02-19\n\n"
    "De Amerikaanse minister sprak woensdag in Brussel met de NAVO. Hij zei o.a. dat Europa meer moet doen.\n\n"
    "Reactie uit Den Haag\n\n"
    'Premier Schoof noemde het voorstel "onverstandig". Het kabinet beraadt zich nog over de gevolgen.\n'
)


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def article(tmp_path: Path) -> Path:
    path = tmp_path / "artikel.txt"
    path.write_text(SHORT_ARTICLE, encoding="utf-8")
    return path


@pytest.fixture()
def model_flags(tiny_models) -> list[str]:
    return [
        "--translation-model", str(tiny_models["translation"]),
        "--summary-model", str(tiny_models["summary"]),
        "--num-beams", "1", "--device", "cpu",
    ]


def invoke(runner: CliRunner, *args: str, stdin: str | bytes | None = None):
    return runner.invoke(cli, list(args), input=stdin, catch_exceptions=False)


# --------------------------------------------------------------------------------------------
# Help, version, no heavy imports


def test_help_lists_the_commands_and_does_not_import_torch():
    code = (
        "import sys\n"
        "from wirebrief.cli import cli\n"
        "try:\n    cli(['--help'], prog_name='wirebrief')\n"
        "except SystemExit as exit:\n    assert exit.code == 0\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'heavy import'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    for command in ("brief", "translate", "summarise", "prompts", "models"):
        assert command in result.stdout


def test_version(runner):
    from wirebrief import __version__

    result = invoke(runner, "--version")
    assert result.exit_code == 0 and __version__ in result.stdout


# --------------------------------------------------------------------------------------------
# The main job on the tiny models


@pytest.mark.model
def test_brief_json_has_one_paragraph_per_block(runner, article, model_flags):
    result = invoke(runner, "brief", str(article), "--format", "json", *model_flags)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [p["kind"] for p in data["paragraphs"]] == ["paragraph", "heading", "paragraph"]
    assert data["metadata"]["date"] == "2025-02-19"
    assert data["metadata"]["detected_language"]["language"] == "nl"
    assert set(data["summaries"]) == {"headline", "lede", "summary", "key_points"}
    assert "wirebrief: error" not in result.stdout


@pytest.mark.model
@pytest.mark.parametrize(
    ("output_format", "expected"),
    [
        ("text", ["HEADLINE", "LEDE", "SUMMARY", "KEY POINTS", "TRANSLATION"]),
        ("markdown", ["# ", "## Lede", "## Summary", "## Key points", "## Translation"]),
        ("rich", ["Headline", "Lede", "Summary", "Key points", "Translation", "2025-02-19"]),
        ("html", ["<!doctype html>\n", "<h1>", "<h2>Lede</h2>", "<h2>Key points</h2>", '<section id="checks">',
                  '<section id="translation">', "2025-02-19"]),
    ],
)
def test_brief_formats(runner, article, model_flags, output_format, expected):
    result = invoke(runner, "brief", str(article), "--format", output_format, *model_flags)
    assert result.exit_code == 0, result.stderr
    for text in expected:
        assert text in result.stdout
    if output_format in ("text", "html"):
        assert "\x1b[" not in result.stdout
    if output_format == "html":
        assert result.stdout.startswith("<!doctype html>") and result.stdout.rstrip().endswith("</html>")


@pytest.mark.model
def test_batch_html_writes_a_page_per_article_and_an_index_linking_them(runner, tmp_path, model_flags):
    feed = tmp_path / "feed"
    (feed / "sub").mkdir(parents=True)
    (feed / "a.txt").write_text(SHORT_ARTICLE, encoding="utf-8")
    (feed / "sub" / "b c.txt").write_text(SHORT_ARTICLE.replace("Brussel", "Den Haag"), encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(runner, "batch", str(feed), "--out", str(out), "--format", "html", "--tiers", "headline",
                    "--no-cache", "--offline", *model_flags)
    assert result.exit_code == 0, result.stderr
    pages = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.html"))
    assert pages == ["a.txt.html", "index.html", "sub/b c.txt.html"]
    for page in pages:
        assert (out / page).read_text(encoding="utf-8").startswith("<!doctype html>")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<a href="([^"]+)"', index) == ["a.txt.html", "sub/b%20c.txt.html"]


@pytest.mark.model
def test_translate_text_is_only_the_translation(runner, article, model_flags):
    result = invoke(runner, "translate", str(article), "--format", "text", *model_flags)
    assert result.exit_code == 0, result.stderr
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == 3 and all(block.strip() for block in blocks)
    assert "HEADLINE" not in result.stdout and "TRANSLATION" not in result.stdout
    # The tiny models' gibberish has findings; the note must not point at checks not printed.
    assert "CHECKS" not in result.stdout
    assert "see the checks in the output" not in result.stderr
    assert "not shown with --format text" in result.stderr


@pytest.mark.model
def test_summarise_takes_english_and_gives_only_the_asked_tiers(runner, tmp_path, model_flags):
    text = tmp_path / "article.en.txt"
    text.write_text("The minister spoke in Brussels on Wednesday.\n\nEurope must do more, he said.\n")
    result = invoke(runner, "summarise", str(text), "--tiers", "headline,lede", "--format", "json", *model_flags)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data["summaries"]) == ["headline", "lede"]
    assert data["source_language"] == data["target_language"] == "en"
    assert "translation" not in data["provenance"]["models"]


@pytest.mark.model
def test_real_pipe_stdin_json_stdout_clean_stderr(tiny_models, example_path):
    env = {
        **os.environ,
        "WIREBRIEF_TRANSLATION_MODEL": str(tiny_models["translation"]),
        "WIREBRIEF_SUMMARY_MODEL": str(tiny_models["summary"]),
        "WIREBRIEF_NUM_BEAMS": "1",
    }
    with example_path.open("rb") as stdin:
        result = subprocess.run(
            [sys.executable, "-m", "wirebrief", "brief", "-", "--format", "json", "--tiers", "headline"],
            stdin=stdin, capture_output=True, env=env, timeout=600,
        )
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert data["metadata"]["source_name"] == "<stdin>"
    assert len(data["paragraphs"]) == 14
    assert list(data["summaries"]) == ["headline"]
    assert data["provenance"]["generation"]["translation"]["num_beams"] == 1  # from the environment
    assert b"\x1b[" not in result.stderr  # no colour codes when stderr is not a terminal


# --------------------------------------------------------------------------------------------
# Bad input: one line on stderr, a documented exit code, no traceback


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"  \n\t\n  ", "only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"2025-02 | 12.5 | 13.0 | 9 / 10", "no letters to tell its language from"),
        ("Brand in woning in Zwolle, niemand raakte gewond.".encode(), "cannot tell the language"),
    ],
)
def test_bad_input_exits_3_with_one_line(runner, tmp_path, content, message):
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    result = invoke(runner, "brief", str(path))
    assert result.exit_code == 3
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_german_article_is_routed_to_the_german_model(runner, tmp_path):
    path = tmp_path / "bericht.txt"
    path.write_text("Die Botschaft kam in Brüssel hart an. Der Minister sprach lange mit der Presse.", encoding="utf-8")
    result = invoke(runner, "brief", str(path), "--offline")
    # Detected as German and routed to the German model, which is not in the (empty) cache.
    assert result.exit_code == 4
    assert "Helsinki-NLP/opus-mt-de-en" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_missing_file_exits_3(runner, tmp_path):
    result = invoke(runner, "brief", str(tmp_path / "nope.txt"))
    assert result.exit_code == 3 and "no such file" in result.stderr


def test_empty_stdin_exits_3(runner):
    result = invoke(runner, "brief", "-", stdin=b"")
    assert result.exit_code == 3 and "<stdin> is empty" in result.stderr


def test_missing_model_offline_exits_4_with_how_to_fix(runner, article):
    result = invoke(runner, "brief", str(article), "--offline")
    assert result.exit_code == 4
    line = result.stderr.strip()
    assert "\n" not in line
    assert "Helsinki-NLP/opus-mt-nl-en" in line and "wirebrief models pull" in line and "--translation-model" in line


def test_missing_local_model_folder_exits_4(runner, article, tmp_path):
    result = invoke(runner, "translate", str(article), "--translation-model", str(tmp_path / "no-such-model"))
    assert result.exit_code == 4 and "does not exist" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tiers", "headline,nonsense"], "unknown tier nonsense"),
        (["--tiers", ","], "--tiers is empty"),
        (["--target-lang", "french"], "'french' is not a language code"),
        (["--source-lang", "n1"], "'n1' is not a language code"),
        (["--source-lang", "xq"], "no translation model is known for xq"),
        (["--translation-model", "not a model"], "unknown model"),
    ],
)
def test_usage_errors_exit_2(runner, article, args, message):
    result = invoke(runner, "brief", str(article), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_click_usage_error_exits_2(runner):
    result = invoke(runner, "brief", "--format", "pdf", "x.txt")
    assert result.exit_code == 2


def test_bad_config_file_exits_6(runner, article, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text("num_beams = 'many'\n")
    monkeypatch.setenv("WIREBRIEF_CONFIG", str(config))
    result = invoke(runner, "brief", str(article))
    assert result.exit_code == 6 and "num_beams" in result.stderr


def test_bad_prompt_file_exits_6(runner, article, tmp_path):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "headline.toml").write_text('template = "no text variable here"\n')
    result = invoke(runner, "brief", str(article), "--prompts-dir", str(prompts))
    assert result.exit_code == 6 and "headline.toml" in result.stderr and "$text" in result.stderr


def test_debug_reraises_with_traceback(runner, tmp_path):
    with pytest.raises(InputError):
        invoke(runner, "brief", str(tmp_path / "nope.txt"), "--debug")


def test_debug_from_environment(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("WIREBRIEF_DEBUG", "1")
    with pytest.raises(InputError):
        invoke(runner, "brief", str(tmp_path / "nope.txt"))


def test_ctrl_c_exits_130_without_traceback(runner, article, monkeypatch):
    import wirebrief.pipeline

    def interrupted(**_):
        raise KeyboardInterrupt

    monkeypatch.setattr(wirebrief.pipeline, "brief", interrupted)
    result = invoke(runner, "brief", str(article))
    assert result.exit_code == 130 and result.stderr == "wirebrief: interrupted\n"


def test_internal_error_is_one_line_pointing_to_debug(runner, article, monkeypatch):
    import wirebrief.pipeline

    def broken(**_):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(wirebrief.pipeline, "brief", broken)
    result = invoke(runner, "brief", str(article))
    assert result.exit_code == 1
    assert result.stderr.startswith("wirebrief: internal error: ZeroDivisionError") and "--debug" in result.stderr
    assert result.stderr.count("\n") == 1


# --------------------------------------------------------------------------------------------
# models and prompts


def test_models_list_shows_presence_and_origin(runner, tiny_models):
    result = invoke(runner, "models", "list", "--format", "json", "--translation-model", str(tiny_models["translation"]))
    assert result.exit_code == 0
    rows = {row["role"]: row for row in json.loads(result.stdout)["models"]}
    assert rows["translation"]["present"] is True and rows["translation"]["from"] == "flag"
    assert rows["summary"]["location"] == "google/flan-t5-large"
    assert rows["summary"]["present"] is False and rows["summary"]["from"] == "default"


def test_models_pull_offline_is_a_model_error(runner, monkeypatch):
    result = invoke(runner, "models", "pull", "Helsinki-NLP/opus-mt-nl-en")
    assert result.exit_code == 4 and "cannot download" in result.stderr


def test_prompts_list_and_show(runner):
    listed = invoke(runner, "prompts", "list", "--format", "json")
    names = [row["name"] for row in json.loads(listed.stdout)]
    assert names[:4] == ["headline", "lede", "summary", "key_points"]
    shown = invoke(runner, "prompts", "show", "headline")
    assert shown.exit_code == 0 and "$text" in shown.stdout
    missing = invoke(runner, "prompts", "show", "nope")
    assert missing.exit_code == 2 and "no prompt named" in missing.stderr


@pytest.mark.parametrize("output_format", ["text", "rich"])
def test_cache_stats_show_a_missing_value_as_a_dash_not_none(runner, tmp_path, output_format):
    missing = tmp_path / "missing.sqlite"  # no entries, so no oldest or newest
    unusable = tmp_path / "broken.sqlite"
    unusable.write_text("not a database", encoding="utf-8")  # its entries cannot be counted
    for path, blanks in ((missing, ("oldest", "newest")), (unusable, ("entries", "oldest", "newest"))):
        result = invoke(runner, "cache", "stats", "--cache", str(path), "--format", output_format)
        assert result.exit_code == 0, result.stderr
        assert "None" not in result.stdout
        if output_format == "text":
            rows = dict(line.split("\t", 1) for line in result.stdout.splitlines())
            assert all(rows[key] == "-" for key in blanks), rows
        else:
            assert all(re.search(rf"\b{key}[ │|]+- +[│|]", result.stdout) for key in blanks), result.stdout
    assert not missing.exists()
    # JSON keeps its nulls for programs.
    as_json = invoke(runner, "cache", "stats", "--cache", str(missing), "--format", "json").stdout
    assert json.loads(as_json)["oldest"] is None


# --------------------------------------------------------------------------------------------
# wirebrief check, --glossary and --fail-on


SOURCE_NL = "De regering trekt 4,5 miljoen euro uit voor de NAVO, zei minister Jansen woensdag.\n\nHet parlement stemt over vier jaar.\n"
GOOD_EN = "The government is setting aside 4.5 million euros for NATO, minister Jansen said on Wednesday.\n\nParliament votes in four years.\n"


@pytest.fixture()
def pair(tmp_path: Path):
    def write(source: str, target: str) -> tuple[str, str]:
        (tmp_path / "nl.txt").write_text(source, encoding="utf-8")
        (tmp_path / "en.txt").write_text(target, encoding="utf-8")
        return str(tmp_path / "nl.txt"), str(tmp_path / "en.txt")

    return write


def test_check_passes_a_faithful_translation(runner, pair):
    result = invoke(runner, "check", *pair(SOURCE_NL, GOOD_EN))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "0 findings (0 errors) in 2 aligned sentences" in result.stderr


def test_check_finds_a_changed_number_and_exits_8(runner, pair):
    result = invoke(runner, "check", *pair(SOURCE_NL, GOOD_EN.replace("four", "three")), "--format", "json")
    assert result.exit_code == 8
    data = json.loads(result.stdout)
    [finding] = data["findings"]
    assert finding["kind"] == "number_mismatch" and finding["paragraph"] == 1
    assert "three" in finding["target"]
    assert invoke(runner, "check", *pair(SOURCE_NL, GOOD_EN.replace("four", "three")), "--fail-on", "never").exit_code == 0


def test_check_glossary_term_and_bad_glossary(runner, pair, tmp_path: Path):
    glossary = tmp_path / "house.tsv"
    glossary.write_text("NAVO\tthe Alliance\n", encoding="utf-8")
    result = invoke(runner, "check", *pair(SOURCE_NL, GOOD_EN), "--glossary", str(glossary))
    assert result.exit_code == 8
    assert "glossary" in result.stdout and "the Alliance" in result.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text("NAVO = [", encoding="utf-8")
    result = invoke(runner, "check", *pair(SOURCE_NL, GOOD_EN), "--glossary", str(broken))
    assert result.exit_code == 6
    assert result.stderr.startswith("wirebrief: error:") and "broken.toml" in result.stderr


def test_check_refuses_empty_input_and_two_stdins(runner, pair):
    assert invoke(runner, "check", *pair(SOURCE_NL, "  \n")).exit_code == 3
    assert invoke(runner, "check", "-", "-", stdin="x").exit_code == 2


@pytest.mark.parametrize("command", ["brief", "translate", "batch"])
def test_verify_back_reaches_the_pipeline_s_options(runner, article, tmp_path, monkeypatch, command):
    import wirebrief.batch
    import wirebrief.cli.commands_brief
    from wirebrief.batch import Report

    seen = []

    def record(*_args, options, **_kwargs):
        seen.append(options)
        raise KeyboardInterrupt  # far enough: the run itself is the pipeline's tests' business

    monkeypatch.setattr(wirebrief.cli.commands_brief, "run_with_progress", record)
    monkeypatch.setattr(wirebrief.batch, "run_batch", lambda *a, options, **k: seen.append(options) or Report())
    place = ["--out", str(tmp_path / "out")] if command == "batch" else []
    invoke(runner, command, str(article), *place, "--quiet")
    invoke(runner, command, str(article), *place, "--verify", "back", "--quiet")
    assert [options.verify for options in seen] == ["none", "back"]
    assert invoke(runner, command, str(article), "--verify", "forth").exit_code == 2


def test_check_without_score_loads_no_model_library(pair):
    code = (
        "import sys\n"
        "from wirebrief.cli import cli\n"
        "try:\n    cli(['check', sys.argv[1], sys.argv[2], '--format', 'json'], prog_name='wirebrief')\n"
        "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "heavy = sorted({'torch', 'transformers', 'ctranslate2', 'wirebrief.pipeline.scoring'} & set(sys.modules))\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code, *pair(SOURCE_NL, GOOD_EN)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def test_check_s_model_options_go_with_score(runner, pair):
    result = invoke(runner, "check", *pair(SOURCE_NL, GOOD_EN), "--translation-model", "x", "--device", "cpu")
    assert result.exit_code == 2
    assert "--translation-model, --device" in result.stderr and "--score" in result.stderr


def test_check_score_warns_on_the_pair_the_model_was_least_sure_of(runner, pair, monkeypatch, tmp_path):
    """The wiring of --score: each aligned pair scored once, by the translation model the flags name."""
    import types

    asked = []

    def score_pairs(sources, translations, settings, *, source_lang, target_lang):
        assert (source_lang, target_lang) == ("nl", "en")  # the pair's codes, for routed and NLLB models
        asked.append((list(sources), list(translations), settings))
        return [-0.3, -4.0][: len(sources)]  # the second far below any article's usual

    monkeypatch.setitem(sys.modules, "wirebrief.pipeline.scoring", types.SimpleNamespace(score_pairs=score_pairs))
    model = str(tmp_path / "a-model")
    result = invoke(runner, "check", *pair(SOURCE_NL, GOOD_EN), "--score", "--translation-model", model,
                    "--device", "cpu", "--format", "json")
    assert result.exit_code == 0, result.output  # a warning: under the default --fail-on error
    [(sources, translations, settings)] = asked
    assert sources == [line for line in SOURCE_NL.splitlines() if line]
    assert translations == [line for line in GOOD_EN.splitlines() if line]
    assert settings.translation_model == model and settings.device == "cpu"
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["kind"], finding["severity"], finding["paragraph"]) == ("low_confidence", "warning", 1)
    assert "-4.00" in finding["detail"] and "Parliament" in finding["target"]
    warned = invoke(runner, "check", *pair(SOURCE_NL, GOOD_EN), "--score", "--fail-on", "warning")
    assert warned.exit_code == 8


def test_brief_fail_on_error_exits_8_after_printing(runner, article, model_flags):
    # The tiny models write gibberish: the checks must call it out, and --fail-on must act on it.
    result = invoke(runner, "brief", str(article), "--format", "json", "--tiers", "none", "--fail-on", "error", *model_flags)
    assert result.exit_code == 8
    findings = json.loads(result.stdout)["findings"]
    assert any(finding["severity"] == "error" for finding in findings)


# --------------------------------------------------------------------------------------------
# detect, --dry-run, models plan: nothing loads


def test_detect_prints_language_confidence_and_sureness(runner, article):
    result = invoke(runner, "detect", str(article), "--format", "text")
    assert result.exit_code == 0
    code, confidence, name, sure = result.stdout.strip().split("\t")
    assert (code, name, sure) == ("nl", "Dutch", "sure")
    assert 0.8 <= float(confidence) <= 1.0


def test_detect_reads_stdin_and_gives_json(runner):
    text = "The government said on Tuesday that fuel duty will not rise next year, to the relief of hauliers."
    result = invoke(runner, "detect", "-", "--format", "json", stdin=text)
    data = json.loads(result.stdout)
    assert (data["language"], data["sure"], data["source"]) == ("en", True, "<stdin>")
    assert data["candidates"][0]["language"] == "en"


def test_detect_unsure_prints_the_guess_and_exits_3(runner):
    result = invoke(runner, "detect", "-", "--format", "json", stdin="Brand in woning in Zwolle, niemand raakte gewond.")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["sure"] is False
    assert result.stderr.startswith("wirebrief: error: cannot tell the language") and result.stderr.count("\n") == 1


def test_dry_run_plans_without_loading_any_model(runner, article, tmp_path):
    missing_translation, missing_summary = tmp_path / "no-translation", tmp_path / "no-summary"
    missing_translation.mkdir()  # a folder without a model: loading it would fail
    missing_summary.mkdir()
    result = invoke(
        runner, "brief", str(article), "--dry-run", "--format", "json", "--tiers", "headline,lede",
        "--translation-model", str(missing_translation), "--summary-model", str(missing_summary),
    )
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    # Four blocks, of which the date marker is metadata.
    assert plan["input"]["input_format"] == "text" and plan["input"]["paragraphs"] == 3
    assert plan["input"]["date"] == "2025-02-19"
    assert plan["language"]["code"] == "nl" and plan["language"]["detected"]["language"] == "nl"
    assert plan["plan"]["translation"]["location"] == str(missing_translation.resolve())
    assert plan["plan"]["translation"]["present"] is False
    assert plan["plan"]["summary_model"]["present"] is False
    assert plan["tiers"] == ["headline", "lede"]


def test_dry_run_as_text_names_each_step(runner, article):
    result = invoke(runner, "brief", str(article), "--dry-run", "--format", "text", "--target-lang", "de")
    rows = dict(line.split("\t", 1) for line in result.stdout.strip().splitlines())
    assert rows["languages"] == "nl → de"
    assert "facebook/nllb-200-distilled-600M [nld_Latn → deu_Latn] (missing)" in rows["translation"]
    assert rows["summary input"] == "an English translation"
    assert "Helsinki-NLP/opus-mt-nl-en" in rows["english for summaries"]
    assert "Helsinki-NLP/opus-mt-en-de" in rows["tiers translated"]


def test_models_plan_for_a_pair(runner):
    result = invoke(runner, "models", "plan", "--source-lang", "pt", "--target-lang", "en", "--format", "json")
    plan = json.loads(result.stdout)["plan"]
    assert plan["translation"]["model"] == "facebook/nllb-200-distilled-600M"
    assert (plan["translation"]["source_code"], plan["translation"]["target_code"]) == ("por_Latn", "eng_Latn")
    assert plan["translation"]["present"] is False and plan["summary_input"] == "translation"


def test_models_plan_refuses_a_language_no_model_knows(runner):
    result = invoke(runner, "models", "plan", "--source-lang", "fy")
    assert result.exit_code == 2 and "Frisian" in result.stderr


def test_english_article_is_briefed_without_translation(runner, tmp_path, model_flags):
    path = tmp_path / "story.txt"
    path.write_text(
        "The government said on Tuesday that fuel duty will not rise next year.\n\n"
        "Hauliers welcomed the decision, but environmental groups called it a step backwards.",
        encoding="utf-8",
    )
    result = invoke(runner, "brief", str(path), "--format", "json", "--tiers", "headline", "--no-cache", *model_flags)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["translated"] is False and data["source_language"] == "en"
    assert "translation" not in data["provenance"]["models"]
    assert [p["translation"] for p in data["paragraphs"]] == [p["source"] for p in data["paragraphs"]]
    assert data["summaries"]["headline"]


@pytest.mark.parametrize("code", ["EN", " en ", "En"])
def test_language_codes_are_normalised(runner, code):
    text = "The government said on Tuesday that fuel duty will not rise next year, to the relief of hauliers."
    result = invoke(runner, "brief", "-", "--dry-run", "--format", "json", "--target-lang", code, stdin=text)
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)["plan"]
    assert plan["target_language"] == "en" and plan["translated"] is False
    pair = invoke(runner, "models", "plan", "--source-lang", code.replace("n", "N"), "--target-lang", "DE", "--format", "json")
    assert json.loads(pair.stdout)["plan"]["translation"]["model"] == "Helsinki-NLP/opus-mt-en-de"


def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path):
    import os
    import subprocess
    import sys

    article = tmp_path / "artikel.txt"
    article.write_text(SHORT_ARTICLE, encoding="utf-8")
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written: `| head -0`
    result = subprocess.run(
        [sys.executable, "-m", "wirebrief", "brief", str(article), "--dry-run", "--format", "text"],
        stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
    )
    os.close(write)
    assert result.returncode == 141
    assert result.stderr == ""  # no "internal error", no traceback


def test_a_too_short_text_is_refused_as_too_short(runner):
    result = invoke(runner, "brief", "-", "--dry-run", stdin="Kort.")
    assert result.exit_code == 3
    assert "is too short to tell its language (4 letters)" in result.stderr


def test_text_output_of_an_untranslated_article_without_tiers_is_the_article(runner, tmp_path, model_flags):
    text = "The government said on Tuesday that fuel duty will not rise next year, to the relief of hauliers."
    result = invoke(runner, "brief", "-", "--tiers", "none", "--format", "text", "--no-cache", *model_flags, stdin=text)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("TEXT (already in en: not translated)\n" + text)


def test_detect_text_lists_paragraphs_in_other_languages(runner, tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text(
        "Het kabinet heeft dinsdag besloten om de accijns op brandstof volgend jaar niet te verhogen.\n\n"
        '"We are deeply concerned about the decision and we will raise it with our partners next week," '
        "the European Commission said in a statement.\n\n"
        "De oppositie noemt het besluit onverantwoord en wil dat de Tweede Kamer er snel over debatteert.",
        encoding="utf-8",
    )
    result = invoke(runner, "detect", str(path), "--format", "text")
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("nl\t") and lines[1:] == ["paragraph 2\ten"]


def test_check_in_german_skips_numbers_and_names_and_says_so(runner, tmp_path):
    source, target = tmp_path / "de.txt", tmp_path / "en.txt"
    source.write_text("Die Kosten steigen auf 2,5 Milliarden Euro, sagte die Bundesregierung am Dienstag.", encoding="utf-8")
    target.write_text("The costs rise to 2.5 billion euros, the federal government said on Tuesday.", encoding="utf-8")
    result = invoke(runner, "check", str(source), str(target), "--source-lang", "de", "--format", "json")
    assert result.exit_code == 0, result.stdout
    kinds = {finding["kind"] for finding in json.loads(result.stdout)["findings"]}
    assert not kinds & {"number_mismatch", "name_missing"}
    assert "numbers and names are checked for nl and en only, not de → en" not in result.stderr  # one note
    assert ("numbers and names and meaning (negation, dates, units, direction) are checked for nl and en only, "
            "not de → en") in result.stderr


# --------------------------------------------------------------------------------------------
# Plain words on stderr and in plans


def test_dry_run_says_which_engine_and_device_in_words(runner, article):
    result = invoke(runner, "brief", str(article), "--dry-run", "--format", "text", "--engine", "torch", "--device", "cpu")
    rows = dict(line.split("\t", 1) for line in result.stdout.strip().splitlines())
    assert rows["engine"] == "transformers (torch) float32 on the CPU"
    auto = invoke(runner, "brief", str(article), "--dry-run", "--format", "text", "--device", "cpu")
    engine = dict(line.split("\t", 1) for line in auto.stdout.strip().splitlines())["engine"]
    assert " on auto" not in engine and "picked by auto" in engine
    assert engine.startswith(("CTranslate2 int8 on the CPU", "transformers (torch)"))


def test_the_spinner_counts_in_plain_words():
    import io

    from rich.console import Console

    from wirebrief.render.progress import RichProgress

    progress = RichProgress(Console(file=io.StringIO(), force_terminal=True, width=120))

    def shown() -> str:
        """The spinner's line as a terminal shows it, as plain text."""
        screen = Console(file=io.StringIO(), width=120, color_system=None)
        screen.print(progress._progress.make_tasks_table(progress._progress.tasks))
        return screen.file.getvalue()

    assert "Reading the article" in shown()
    progress.stage("Translating: 35 sentences (nl → en)")
    line = shown()
    assert "Translating: 35 sentences (nl → en)" in line
    assert "texts" not in line and "model outputs" not in line  # nothing counted yet: no "0 texts"
    progress.advance(12)
    line = shown()
    assert "Translating: 35 sentences (nl → en)" in line
    assert "12 model outputs" in line and "texts" not in line
    progress.advance(1_300)
    assert "1,312 model outputs" in shown()
    progress.stage("Summarising: headline")  # a new stage counts afresh
    assert "model outputs" not in shown() and "Summarising: headline" in shown()


def test_batch_bar_and_closing_table_give_the_same_throughput():
    import io

    from rich.console import Console

    from wirebrief.batch import Report
    from wirebrief.cli.commands_batch import batch_summary as _batch_summary
    from wirebrief.render.progress import BatchProgress
    from wirebrief.render.views import report_rates

    report = Report(ok=3, sentences=120, output_tokens=4000, seconds=8.0)
    console = Console(file=io.StringIO(), force_terminal=True, width=200)
    bar = BatchProgress(console, total=3)
    bar._sentences = 999  # what the bar counted while translating (retries, pieces) no longer shows
    bar.finish(report)
    assert bar._progress.tasks[0].fields["rates"] == report_rates(report) == "15.0 sentences/s · 500 target tokens/s"
    _batch_summary(report, console, quiet=False)
    assert "15.0 sentences/s · 500 target tokens/s" in console.file.getvalue()


# --------------------------------------------------------------------------------------------
# Library logs: quiet unless --debug, and never twice

_EMIT = (
    "import logging\n"
    "from wirebrief.cli.streams import quiet_libraries\n"
    "quiet_libraries(debug={debug})\n"
    "from huggingface_hub.utils import logging as hub_logging\n"
    "hub_logging.get_logger('huggingface_hub.utils._http').warning('Retrying in 1s [Retry 1/5].')\n"
    "logging.getLogger('trafilatura.core').warning('discarding data: None')\n"
    "logging.getLogger('wirebrief.engines.base').warning('batch budget lowered')\n"
)


@pytest.mark.parametrize("debug", [False, True])
def test_a_library_warning_is_printed_at_most_once_and_ours_once(debug):
    # The environment of a process in which no quiet run has set the libraries' verbosity.
    environment = {key: value for key, value in os.environ.items() if not key.endswith("_VERBOSITY")}
    result = subprocess.run([sys.executable, "-c", _EMIT.format(debug=debug)], capture_output=True, text=True,
                            timeout=120, env=environment)
    assert result.returncode == 0, result.stderr
    # Without --debug the hub client's retry ladder and trafilatura stay quiet; with it, once each.
    assert result.stderr.count("Retrying in 1s") == (1 if debug else 0)
    assert result.stderr.count("discarding data") == (1 if debug else 0)
    assert result.stderr.count("batch budget lowered") == 1


def test_flags_have_the_same_upper_bounds_as_the_config(runner, article):
    from wirebrief.config import LIMITS

    most = LIMITS["num_beams"][1]
    result = invoke(runner, "brief", str(article), "--dry-run", "--num-beams", str(most + 1))
    assert result.exit_code == 2 and f"{most + 1} is not in the range" in result.stderr


def test_check_reads_its_two_inputs_and_refuses_standard_input_twice(tmp_path):
    from wirebrief.check.files import read_glossary, read_pair
    from wirebrief.errors import UsageError

    source, translation = tmp_path / "bron.txt", tmp_path / "vertaling.txt"
    source.write_bytes("Het kabinet besloot woensdag.\r\n".encode("cp1252"))
    translation.write_text("The cabinet decided on Wednesday.\n", encoding="utf-8")
    assert read_pair(source, translation) == ("Het kabinet besloot woensdag.\n", "The cabinet decided on Wednesday.\n")
    with pytest.raises(UsageError, match="only once"):
        read_pair("-", "-")
    assert read_glossary(None) is None


def test_threads_is_a_model_option_bounded_like_the_setting(runner, article, monkeypatch):
    from wirebrief import config

    seen = {}
    resolve = config.resolve_settings

    def spy(flags, *args, **kwargs):
        seen.update(flags)
        return resolve(flags, *args, **kwargs)

    monkeypatch.setattr(config, "resolve_settings", spy)
    result = invoke(runner, "brief", str(article), "--dry-run", "--source-lang", "nl", "--threads", "3", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert seen["threads"] == 3
    refused = invoke(runner, "brief", str(article), "--dry-run", "--threads", "0")
    assert refused.exit_code == 2 and "0 is not in the range" in refused.stderr
