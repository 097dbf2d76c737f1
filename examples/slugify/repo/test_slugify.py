import pytest

from slugify import slugify


def test_lowercases_and_joins_words():
    assert slugify("Hello World") == "hello-world"


def test_collapses_punctuation():
    assert slugify("Hello, World!!  Again?") == "hello-world-again"


def test_custom_separator():
    assert slugify("Hello World", separator="_") == "hello_world"


def test_keeps_case_when_asked():
    assert slugify("Hello World", lowercase=False) == "Hello-World"


def test_transliterates_accents():
    assert slugify("Crème brûlée à la carte") == "creme-brulee-a-la-carte"


def test_max_length_leaves_no_trailing_separator():
    assert slugify("hello wonderful world", max_length=6) == "hello"


def test_rejects_non_strings():
    with pytest.raises(TypeError):
        slugify(42)
