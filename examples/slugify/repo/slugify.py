"""Turn arbitrary titles into URL slugs.

    >>> slugify("Hello, World!")
    'hello-world'
"""

import re

__all__ = ["slugify"]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(text, separator="-", max_length=0, lowercase=True):
    """Return a slug of ``text``.

    Runs of characters that are not ASCII letters or digits become one ``separator``;
    separators at either end are removed. With ``max_length`` > 0 the slug is cut to at
    most that many characters.
    """
    if not isinstance(text, str):
        raise TypeError("slugify() expects a str, got %s" % type(text).__name__)
    value = text.lower() if lowercase else text
    pattern = _NON_ALNUM if lowercase else re.compile(r"[^A-Za-z0-9]+")
    value = pattern.sub(separator, value).strip(separator)
    if max_length > 0:
        value = value[:max_length]
    return value
