"""Text helpers: sanitized Markdown, plain text, slugs, safe links."""

import functools
import re
import unicodedata
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


@functools.lru_cache(maxsize=1024)
def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to embed: nh3 keeps only the tags above and
    http/https/mailto links, and marks links ``rel="nofollow noopener noreferrer"``.

    Rendering 1–2 KB takes about 2 ms, and the API's first page holds 100 descriptions:
    the last 1 024 results are kept (a few MB; the same text always gives the same HTML)."""
    html = _md.render(text)
    # Headings in a description sit below the event title (h1), so shift them down.
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


class _TextRenderer(RendererHTML):
    """markdown-it's HTML renderer writing only what is left of its HTML once every tag is
    removed, with a line break where a paragraph, list item, heading, quote, code block or
    table row ends and at each ``<br>``: the text content, not escaped (never parsed as
    HTML, so nothing to sanitize: raw HTML is off and an image's alt text is dropped, as a
    tag-stripping sanitizer drops the ``<img>``). Its newlines are the renderer's own."""

    def renderToken(self, tokens, idx, options, env) -> str:  # noqa: N802 (markdown-it's name)
        token = tokens[idx]
        if token.hidden:  # the paragraphs of a tight list
            return ""
        out = ""
        if token.block and token.nesting != -1 and idx and tokens[idx - 1].hidden:
            out = "\n"
        if token.nesting == -1 and token.tag in _ENDS_LINE:
            out += "\n"
        if token.block:
            if token.nesting == 1 and idx + 1 < len(tokens):
                following = tokens[idx + 1]
                if (
                    following.type == "inline"
                    or following.hidden
                    or (following.nesting == -1 and following.tag == token.tag)
                ):
                    return out
            out += "\n"
        return out

    def text(self, tokens, idx, options, env) -> str:
        return tokens[idx].content

    code_inline = text

    def code_block(self, tokens, idx, options, env) -> str:
        return tokens[idx].content + "\n\n"

    fence = code_block

    def image(self, tokens, idx, options, env) -> str:
        return ""

    def hardbreak(self, tokens, idx, options, env) -> str:
        return "\n\n"

    def softbreak(self, tokens, idx, options, env) -> str:
        return "\n"


#: Closing tags after which the plain text starts a new line.
_ENDS_LINE = frozenset(("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr"))
_text_renderer = _TextRenderer()


def markdown_to_text(text: str) -> str:
    """Plain text for feeds and e-mails: what is left of the rendered HTML once every tag is
    removed, with a line break after each block. Written by :class:`_TextRenderer` from the
    parsed tokens: the same text as rendering, removing the tags with nh3 and unescaping
    (tests/feeds/test_description_text.py compares them), for ~0.06–0.1 ms less of the
    ~0.4 ms a 1.5 KB description takes; this runs for every description saved or imported."""
    plain = _text_renderer.render(_md.parse(text), _md.options, {})
    return re.sub(r"\n{3,}", "\n\n", plain).strip()


def slugify(value: str, max_length: int = 80) -> str:
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^a-zA-Z0-9]+", "-", value).strip("-").lower()
    return value[:max_length].rstrip("-") or "event"


#: The longest key (``organizations.name_key`` is ``varchar(200)``).
NAME_KEY_LENGTH = 200


def is_diacritic(char: str) -> bool:
    """A combining mark that only decorates a letter: Latin, Greek and Cyrillic accents
    (canonical combining classes 200 and up) and Hebrew and Arabic vowel points (10-35).
    Marks that make a different letter or syllable (Devanagari viramas and vowel signs, Thai
    tone marks, the Japanese voicing mark) are kept."""
    ccc = unicodedata.combining(char)
    return ccc >= 200 or 10 <= ccc <= 35


def name_key(value: str) -> str:
    """A comparison key for organization names that keeps the letters and digits of every
    script: NFKC (full-width letters, ligatures), Unicode case folding, accents and vowel
    points dropped, every run of punctuation, symbols and spaces one space, and a leading
    "the" dropped. "The Coalition, Inc." and "coalition inc" match; names in Chinese,
    Arabic or Hebrew stay as they are written."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    bare = "".join(c for c in unicodedata.normalize("NFD", folded) if not is_diacritic(c))
    words, word = [], []
    for char in unicodedata.normalize("NFKC", bare):
        if unicodedata.category(char)[0] in "LNM":
            word.append(char)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)[:NAME_KEY_LENGTH].rstrip()


def is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value.strip()


#: C0 and C1 control characters (Unicode category Cc): C1 has terminal escapes such as
#: U+009B (CSI) and the line break U+0085 (NEL).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_CHARS_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_control_chars(value: str, multiline: bool = False) -> bool:
    pattern = CONTROL_CHARS if multiline else CONTROL_CHARS_SINGLE_LINE
    return bool(pattern.search(value))


def spreadsheet_safe(value) -> str:
    """Text that a spreadsheet will not run as a formula (CSV cells typed by the public)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
