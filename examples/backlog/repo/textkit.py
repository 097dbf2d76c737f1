"""Small text helpers, with a few bugs for the backlog example to work through."""


def word_count(text):
    """Number of words in text; any run of whitespace separates words."""
    return len(text.split(" "))


def truncate(text, width):
    """text cut to at most width characters, ending in "..." when cut."""
    if len(text) <= width:
        return text
    return text[:width] + "..."


def initials(name):
    """Upper-case initials of a name: "ada lovelace" -> "AL"."""
    return "".join(part[0] for part in name.split())


def rot13(text):
    """ROT13 of text; letters only, case kept."""
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - ord("a") + 13) % 26 + ord("a")))
        else:
            out.append(ch)
    return "".join(out)
