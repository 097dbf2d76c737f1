from textkit import initials, rot13, truncate, word_count


def test_word_count_ignores_repeated_spaces():
    assert word_count("to  be or   not") == 4


def test_word_count_of_one_word():
    assert word_count("hello") == 1


def test_truncate_keeps_the_width():
    assert truncate("abcdefghij", 6) == "abc..."


def test_truncate_leaves_short_text():
    assert truncate("abc", 6) == "abc"


def test_initials_are_upper_case():
    assert initials("ada lovelace") == "AL"


def test_rot13_keeps_upper_case_letters():
    assert rot13("Hello") == "Uryyb"
