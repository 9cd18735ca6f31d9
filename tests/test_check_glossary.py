"""Glossary files (TSV and TOML), their errors, and the name list shipped in the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirebrief.errors import ConfigError
from wirebrief.check.glossary import contains_form, known_names, load_glossary


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_tsv_glossary_with_header_comments_and_alternatives(tmp_path):
    path = write(tmp_path, "house.tsv", (
        "# house style\nsource\ttarget\n\nTweede Kamer\tHouse of Representatives\n"
        "VS\tUS | United States\nClingendael\tClingendael\n"
    ))
    glossary = load_glossary(path)
    assert [term.source for term in glossary] == ["Tweede Kamer", "VS", "Clingendael"]
    assert glossary.get("VS").targets == ("US", "United States")
    assert glossary.get("Tweede Kamer").origin == f"{path}:4"


def test_toml_glossary_top_level_or_terms_table(tmp_path):
    top = load_glossary(write(tmp_path, "a.toml", '"Tweede Kamer" = "House of Representatives"\nVS = ["US", "USA"]\n'))
    table = load_glossary(write(tmp_path, "b.toml", '[terms]\n"Tweede Kamer" = "House of Representatives"\n'))
    assert top.get("VS").targets == ("US", "USA")
    assert top.get("Tweede Kamer").targets == table.get("Tweede Kamer").targets == ("House of Representatives",)
    assert top.get("VS").origin.endswith("a.toml:2")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("g.tsv", "Tweede Kamer\tHouse\nkabinet cabinet\n", r"g\.tsv:2: expected a source term, a tab .* found no tab"),
        ("g.tsv", "a\tb\tc\n", r"g\.tsv:1: .* found 3 tab-separated columns"),
        ("g.tsv", "# c\nVS\tUS\nVS\tUSA\n", r"g\.tsv:3: 'VS' is defined twice \(first at line 2\)"),
        ("g.tsv", "VS\t US | \n", r"g\.tsv:1: 'VS' has an empty target form"),
        ("g.tsv", "\tUS\n", r"g\.tsv:1: the source term is empty"),
        ("g.toml", 'VS = "US"\nNAVO = 3\n', r"g\.toml:2: term 'NAVO' must map to a string or a list of strings"),
        ("g.toml", 'VS = "US\n', r"g\.toml: glossary is not valid TOML: .*line 1"),
    ],
)
def test_malformed_glossary_is_a_config_error_with_its_line(tmp_path, name, text, message):
    with pytest.raises(ConfigError, match=message) as error:
        load_glossary(write(tmp_path, name, text))
    assert error.value.exit_code == 6


def test_unreadable_glossary_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_glossary(tmp_path / "missing.tsv")
    with pytest.raises(ConfigError, match="is a directory"):
        load_glossary(tmp_path)
    with pytest.raises(ConfigError, match=r"bad\.tsv:2: glossary is not UTF-8"):
        load_glossary(write(tmp_path, "bad.tsv", b"VS\tUS\nBr\xfcssel\tBrussels\n"))


def test_longest_term_wins_and_lowercase_terms_match_any_case(tmp_path):
    glossary = load_glossary(write(tmp_path, "g.tsv", "Kamer\tHouse\nTweede Kamer\tHouse of Representatives\nkabinet\tcabinet\n"))
    found = glossary.find("Kabinet en Tweede Kamer; de Kamer en het kabinet.")
    assert [(m.text, m.term.source) for m in found] == [
        ("Kabinet", "kabinet"), ("Tweede Kamer", "Tweede Kamer"), ("Kamer", "Kamer"), ("kabinet", "kabinet"),
    ]
    assert glossary.find("Kamerleden") == []


def test_user_glossary_overrides_packaged_names(tmp_path):
    user = load_glossary(write(tmp_path, "g.tsv", "Brussel\tBrussel\n"))
    merged = known_names().merged(user)
    assert merged.get("Brussel").targets == ("Brussel",)
    assert merged.get("NAVO").targets[0] == "NATO"


def test_target_forms_allow_possessives_case_and_diacritics():
    assert contains_form("NATO's summit", ["NATO"]) == "NATO"
    assert contains_form("the Nato summit", ["NATO"]) == "NATO"
    assert contains_form("they met in the Hague", ["The Hague"]) == "The Hague"
    assert contains_form("Erdogan said", ["Erdoğan"]) == "Erdoğan"
    assert contains_form("NATOs", ["NATO"]) == "NATO"
    assert contains_form("Natomas", ["NATO"]) is None


def test_packaged_names_load_from_the_package():
    names = known_names()
    assert len(names) > 300
    assert names.get("Oekraïne").targets == ("Ukraine",)
    assert names.get("Den Haag").targets == ("The Hague",)
    assert all(term.targets for term in names)
