"""Generate each addon's ``README.rst`` from its ``readme/*.md`` fragments, as OCA does.

``README.rst`` is made of, in this order:

- the title: the manifest's ``name``, over- and underlined with ``=``;
- one section per fragment present: Description (``DESCRIPTION.md``), Use Cases / Context
  (``CONTEXT.md``), Installation (``INSTALL.md``), Configuration (``CONFIGURE.md``), Usage
  (``USAGE.md``), Known issues / Roadmap (``ROADMAP.md``), Development (``DEVELOP.md``),
  Changelog (``HISTORY.md``), Contributors (``CONTRIBUTORS.md``), Other credits
  (``CREDITS.md``); other files of ``readme/`` are documents of their own and are left out;
- Screenshots, before the credits: a paragraph of a fragment that starts with
  ``**Screenshots**`` and the images that follow it (each with the paragraph after it as
  its caption) move there, the rest of the lead paragraph becoming the section's first
  sentence;
- Licence, from the manifest's ``license``.

The fragments are read as the subset of Markdown they use: paragraphs, ``-`` and ``1.``
lists (continuation lines, nesting), ``**bold**``, ``*italic*``, ```code```,
``[text](url)``, ``![alt](path)`` alone in a paragraph (a figure when a paragraph follows
it: its caption), fenced code blocks and ``#`` headings (sub-sections of their section).
Anything else that Markdown would render as a block of its own (tables, block quotes,
raw HTML blocks, rules, setext headings, indented code) is refused with the file and line,
so that nothing is silently rendered differently. Paths of images and relative links are
rewritten from ``readme/`` to the addon's folder, where ``README.rst`` is. The output
depends on the fragments and the manifest only.

Usage: python tools/gen_readme.py [--check] [ADDON...]
(ADDON: a folder or a name in ``addons/``; every addon that has a ``readme/`` by default.)
``--check`` writes nothing and exits with 1, naming the addons whose ``README.rst`` is not
what their fragments give.
"""

import argparse
import ast
import dataclasses
import pathlib
import posixpath
import re
import sys
import unicodedata

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADDONS_DIR = ROOT / "addons"

#: (fragment, section title), in the order of OCA's README template; Screenshots goes
#: before the credits.
SECTIONS = (
    ("DESCRIPTION", "Description"),
    ("CONTEXT", "Use Cases / Context"),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("DEVELOP", "Development"),
    ("HISTORY", "Changelog"),
    (None, "Screenshots"),
    ("CONTRIBUTORS", "Contributors"),
    ("CREDITS", "Other credits"),
)
#: Manifest licence keys and how the readme states them (the project's own wording).
LICENCES = {
    "LGPL-3": "LGPL-3.0-or-later.",
    "AGPL-3": "AGPL-3.0-or-later.",
}
#: Underline characters of the headings inside a fragment, by depth (sections use ``=``).
SUBSECTION_CHARS = '-~^"'
SCREENSHOTS_LEAD = "**Screenshots**"


class ReadmeError(Exception):
    """A fragment or a manifest that cannot be turned into reStructuredText."""


# --------------------------------------------------------------------------- blocks


@dataclasses.dataclass
class Paragraph:
    text: str  # the source lines joined by newlines, leading spaces removed
    line: int


@dataclasses.dataclass
class Heading:
    level: int
    text: str
    line: int


@dataclasses.dataclass
class Image:
    alt: str
    src: str
    line: int


@dataclasses.dataclass
class Code:
    language: str
    lines: list
    line: int


@dataclasses.dataclass
class List:
    ordered: bool
    start: int
    items: list  # one list of blocks per item
    line: int


LIST_ITEM_RE = re.compile(r"^( {0,3})([-*+]|\d{1,9}[.)])( +|$)(.*)$")
FENCE_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([\w+#.-]*)\s*$")
HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
IMAGE_RE = re.compile(r'^!\[([^\]]*)\]\(\s*(\S+?)(?:\s+"[^"]*")?\s*\)$')
RULE_RE = re.compile(r"^ {0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}|=+)$")
TABLE_DELIMITER_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$")
HTML_BLOCK_RE = re.compile(r"^ {0,3}(<!--|<\?|</?[A-Za-z][\w-]*(\s|/?>|$))")


def _indent(text):
    return len(text) - len(text.lstrip(" "))


def _unsupported(text, next_text=None):
    """What Markdown block ``text`` (then ``next_text``) starts that this converter refuses."""
    if _indent(text) >= 4:
        return "an indented code block (use a fenced ``` block)"
    stripped = text.strip()
    if stripped.startswith("|") or (next_text is not None and TABLE_DELIMITER_RE.match(next_text)):
        return "a table"
    if stripped.startswith(">"):
        return "a block quote"
    if HTML_BLOCK_RE.match(text):
        return "a raw HTML block"
    if RULE_RE.match(text):
        return "a horizontal rule or a setext heading (use # headings)"
    return None


def _starts_block(text):
    """Whether ``text`` ends a paragraph and opens another block (CommonMark's rules)."""
    if _indent(text) >= 4:
        return False  # an indented line only continues a paragraph
    item = LIST_ITEM_RE.match(text)
    if item and item.group(4).strip():
        marker = item.group(2)
        # An ordered list interrupts a paragraph only when it starts at 1.
        if not marker[0].isdigit() or int(marker[:-1]) == 1:
            return True
    # Raw HTML such as ``<your company>`` does not interrupt a paragraph: it is text here.
    return bool(
        FENCE_RE.match(text) or HEADING_RE.match(text) or (_unsupported(text) and not HTML_BLOCK_RE.match(text))
    )


class _Parser:
    def __init__(self, path):
        self.path = path

    def error(self, line, message):
        return ReadmeError(f"{self.path}:{line}: {message}")

    def parse(self, lines):
        """Blocks of ``lines``, a list of (line number, text) with the container's indent removed."""
        blocks = []
        i = 0
        while i < len(lines):
            lineno, text = lines[i]
            if not text.strip():
                i += 1
                continue
            following = lines[i + 1][1] if i + 1 < len(lines) else None
            if fence := FENCE_RE.match(text):
                i = self._code(lines, i, fence, blocks)
            elif heading := HEADING_RE.match(text):
                if not (heading.group(2) or "").strip():
                    raise self.error(lineno, "a heading without text")
                blocks.append(Heading(len(heading.group(1)), heading.group(2).strip(), lineno))
                i += 1
            elif problem := _unsupported(text, following):
                raise self.error(lineno, f"{problem} is not supported by tools/gen_readme.py")
            elif LIST_ITEM_RE.match(text):
                i = self._list(lines, i, blocks)
            else:
                i = self._paragraph(lines, i, blocks)
        return blocks

    def _code(self, lines, i, fence, blocks):
        start, indent, mark, language = lines[i][0], len(fence.group(1)), fence.group(2), fence.group(3)
        body = []
        i += 1
        while i < len(lines):
            text = lines[i][1]
            if text.strip().startswith(mark[0] * len(mark)) and not text.strip().strip(mark[0]):
                if not any(line.strip() for line in body):
                    raise self.error(start, "an empty code block")
                blocks.append(Code(language, body, start))
                return i + 1
            body.append(text[min(indent, _indent(text)) :].rstrip())
            i += 1
        raise self.error(start, f"the code block opened here is not closed by {mark}")

    def _paragraph(self, lines, i, blocks):
        start = lines[i][0]
        collected = []
        while i < len(lines) and lines[i][1].strip():
            text = lines[i][1]
            if collected and _starts_block(text):
                if RULE_RE.match(text):
                    raise self.error(lines[i][0], "a setext heading or a rule is not supported (use # headings)")
                break
            collected.append(text.strip())
            i += 1
        text = "\n".join(collected)
        if image := IMAGE_RE.match(text):
            blocks.append(Image(image.group(1).strip(), image.group(2), start))
        elif "![" in text and re.search(r"!\[[^\]]*\]\(", text):
            raise self.error(start, "an image inside a paragraph (put it alone in a paragraph of its own)")
        else:
            blocks.append(Paragraph(text, start))
        return i

    def _list(self, lines, i, blocks):
        first = LIST_ITEM_RE.match(lines[i][1])
        ordered = first.group(2)[0].isdigit()
        kind = first.group(2)[-1]  # the bullet, or the delimiter after the number
        start = int(first.group(2)[:-1]) if ordered else 1
        items = []
        lst = List(ordered, start, items, lines[i][0])
        while i < len(lines):
            item = LIST_ITEM_RE.match(lines[i][1])
            if not item or item.group(2)[0].isdigit() != ordered or item.group(2)[-1] != kind:
                break
            spaces = len(item.group(3)) if item.group(4) else 1
            content_indent = len(item.group(1)) + len(item.group(2)) + (spaces if spaces <= 4 else 1)
            body = [(lines[i][0], item.group(4) if spaces <= 4 else " " * (spaces - 1) + item.group(4))]
            i += 1
            previous_blank = False
            while i < len(lines):
                lineno, text = lines[i]
                if not text.strip():
                    body.append((lineno, ""))
                    previous_blank = True
                elif _indent(text) >= content_indent:
                    body.append((lineno, text[content_indent:]))
                    previous_blank = False
                elif previous_blank or LIST_ITEM_RE.match(text) or _starts_block(text) or not body[-1][1].strip():
                    break
                else:
                    # A lazy continuation line of the item's paragraph.
                    body.append((lineno, text.strip()))
                i += 1
            # Blank lines before the next item end up in this one's body, where they are nothing.
            items.append(self.parse(body))
        blocks.append(lst)
        return i


def _parse(parser, text):
    return parser.parse([(number, line.expandtabs(4).rstrip()) for number, line in enumerate(text.splitlines(), 1)])


def parse_markdown(text, path="<markdown>"):
    """The blocks of a Markdown fragment (``path`` names it in the errors)."""
    return _parse(_Parser(path), text)


# --------------------------------------------------------------------------- inline

# docutils' rules for inline markup (docutils.utils.punctuation_chars): what may stand
# before a start-string and after an end-string.
_OPENERS = "\"'(<[{"
_CLOSERS = "\"')>]}"
_DELIMITERS = "\\-/:"


def _may_precede_markup(char):
    if not char or char.isspace() or char in _OPENERS or char in _DELIMITERS:
        return True
    return unicodedata.category(char) in {"Ps", "Pi", "Pf", "Pd", "Po"}


def _may_follow_markup(char):
    if not char or char.isspace() or char in _CLOSERS or char in _DELIMITERS or char in ".,;!?":
        return True
    return unicodedata.category(char) in {"Pe", "Pi", "Pf", "Pd", "Po"}


def _escape(text):
    """``text`` as reStructuredText that shows it as it is."""
    out = []
    for index, char in enumerate(text):
        if char in "\\*`|":
            out.append("\\" + char)
        elif char == "_":
            before = text[index - 1] if index else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            # An underscore inside a word is text; at a word's edge it may make a reference.
            out.append("_" if before.isalnum() and after.isalnum() else "\\_")
        else:
            out.append(char)
    return "".join(out)


MD_ESCAPABLE = "\\`*_{}[]()#+-.!|<>~\"'"
LINK_RE = re.compile(r'\[([^\]]*)\]\(\s*(\S+?)(?:\s+"[^"]*")?\s*\)')
AUTOLINK_RE = re.compile(r"<((?:https?|ftp|mailto):[^\s>]+)>")


def _plain(text):
    """The text of Markdown inline ``text`` without its markup (for link texts, alt texts)."""
    text = re.sub(r"`+([^`]*)`+", r"\1", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    text = re.sub(r"\*([^*]+)\*", r"\1", text)
    return re.sub(rf"\\([{re.escape(MD_ESCAPABLE)}])", r"\1", text)


class _Inline:
    def __init__(self, parser, line, base):
        self.parser = parser
        self.line = line
        self.base = base

    def error(self, message):
        return self.parser.error(self.line, message)

    def convert(self, text):
        out = []
        pending = []  # plain text not yet escaped

        def flush():
            if pending:
                out.append(_escape("".join(pending)))
                pending.clear()

        def markup(rst, end):
            flush()
            before = next((part[-1] for part in reversed(out) if part), "")
            after = text[end] if end < len(text) else ""
            # Inline markup touching a word needs an escaped space, which renders as nothing.
            out.append(("" if _may_precede_markup(before) else "\\ ") + rst)
            out.append("" if _may_follow_markup(after) else "\\ ")

        i = 0
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text) and text[i + 1] in MD_ESCAPABLE:
                pending.append(text[i + 1])
                i += 2
            elif char == "`":
                run = len(text[i:]) - len(text[i:].lstrip("`"))
                close = re.compile(r"(?<!`)" + "`" * run + r"(?!`)").search(text, i + run)
                if not close:
                    pending.append("`" * run)
                    i += run
                    continue
                # Line breaks stay where the fragment has them: a literal may span lines.
                code = "\n".join(" ".join(part.split()) for part in text[i + run : close.start()].strip().split("\n"))
                if not code or "``" in code:
                    raise self.error(f"code span {text[i : close.end()]!r} cannot be written in reStructuredText")
                markup(f"``{code}``", close.end())
                i = close.end()
            elif char == "[" and (link := LINK_RE.match(text, i)):
                label = " ".join(_plain(link.group(1)).split())
                url = self.rebase(link.group(2))
                rst = f"`{label.replace('`', '')} <{url}>`__" if label else url
                markup(rst, link.end())
                i = link.end()
            elif char == "<" and (autolink := AUTOLINK_RE.match(text, i)):
                markup(autolink.group(1), autolink.end())
                i = autolink.end()
            elif char == "*" and (span := self.emphasis(text, i)):
                end, strong, inner = span
                marker = "**" if strong else "*"
                markup(marker + _escape(inner) + marker, end)
                i = end
            elif char == "!" and text.startswith("![", i) and re.match(r"!\[[^\]]*\]\(", text[i:]):
                raise self.error("an image inside a paragraph (put it alone in a paragraph of its own)")
            else:
                pending.append(char)
                i += 1
        flush()
        return "".join(out)

    def emphasis(self, text, i):
        """(end, strong, text) of the ``*``/``**`` span opening at ``i``, or None."""
        strong = text.startswith("**", i)
        width = 2 if strong else 1
        if text.startswith("*", i + width) or i + width >= len(text) or text[i + width].isspace():
            return None
        pattern = r"(?<=\S)\*\*" if strong else r"(?<=[^\s*])\*(?!\*)"
        close = re.compile(pattern).search(text, i + width + 1 if not strong else i + width)
        if not close:
            return None
        inner = text[i + width : close.start()]
        if "*" in inner or "`" in inner or LINK_RE.search(inner):
            raise self.error(f"nested inline markup {text[i : close.end()]!r} cannot be written in reStructuredText")
        return close.end(), strong, inner

    def rebase(self, url):
        return rebase(url, self.base)


def rebase(url, base="readme"):
    """``url`` as seen from the addon's folder, ``url`` being written in ``base``."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE) or url.startswith(("#", "/")):
        return url
    return posixpath.normpath(posixpath.join(base, url))


# --------------------------------------------------------------------------- rendering

# Text that reStructuredText would read as the start of a list, a field list, a comment or
# another block when it begins a paragraph.
RST_BLOCK_START_RE = re.compile(
    r"^(?:[-+*•‣⁃|>]\s|[-+]{1,2}\w|:|\.\.(?:\s|$)|\(?(?:\d+|[A-Za-z]|[IVXLCDMivxlcdm]+|#)[.)]\s|>>>)"
)


class _Renderer:
    def __init__(self, parser, base="readme", addon=None):
        self.parser = parser
        self.base = base
        self.addon = addon  # where images are checked to exist, when given

    def inline(self, text, line):
        return _Inline(self.parser, line, self.base).convert(text)

    def paragraph(self, block):
        rst = self.inline(block.text, block.line)
        if RST_BLOCK_START_RE.match(rst):
            rst = "\\" + rst
        if rst.endswith("::"):
            rst = rst[:-1] + "\\:"
        return rst.split("\n")

    def blocks(self, blocks, heading_chars=None):
        out = []
        index = 0
        while index < len(blocks):
            block = blocks[index]
            if out:
                out.append("")
            if isinstance(block, Paragraph):
                out += self.paragraph(block)
            elif isinstance(block, Heading):
                if not heading_chars:
                    raise self.parser.error(block.line, "a heading inside a list is not supported")
                title = self.inline(block.text, block.line)
                out += [title, heading_chars[block.level] * len(title)]
            elif isinstance(block, Image):
                caption = blocks[index + 1] if index + 1 < len(blocks) else None
                if isinstance(caption, Paragraph):
                    out += self.figure(block, caption)
                    index += 1
                else:
                    out += self.image("image", block)
            elif isinstance(block, Code):
                out += [f".. code-block:: {block.language}".rstrip(), ""]
                out += [f"   {line}" if line else "" for line in block.lines]
            elif isinstance(block, List):
                out += self.list(block)
            index += 1
        return out

    def image(self, directive, block):
        src = rebase(block.src, self.base)
        if self.addon and "://" not in src and not (self.addon / src).is_file():
            raise self.parser.error(block.line, f"the image {block.src} is not in the addon ({src})")
        out = [f".. {directive}:: {src}"]
        if block.alt:
            out.append(f"   :alt: {' '.join(_plain(block.alt).split())}")
        return out

    def figure(self, image, caption):
        return self.image("figure", image) + [""] + [f"   {line}" for line in self.paragraph(caption)]

    def list(self, block):
        rendered = []
        for number, item in enumerate(block.items, block.start):
            marker = f"{number}. " if block.ordered else "- "
            body = self.blocks(item) or [""]
            pad = " " * len(marker)
            rendered.append([(marker + body[0]).rstrip()] + [pad + line if line else "" for line in body[1:]])
        # reStructuredText needs a blank line after an item that holds several blocks.
        loose = any(len(item) > 1 for item in block.items)
        out = []
        for lines in rendered:
            if out and loose:
                out.append("")
            out += lines
        return out


def _heading_chars(blocks):
    """Underline character by Markdown heading level: the fragment's highest level first."""
    levels = sorted({block.level for block in blocks if isinstance(block, Heading)})
    if len(levels) > len(SUBSECTION_CHARS):
        raise ReadmeError(f"headings of {len(levels)} levels: at most {len(SUBSECTION_CHARS)}")
    return dict(zip(levels, SUBSECTION_CHARS, strict=False))


def _take_screenshots(blocks):
    """Split ``blocks`` into (the others, the lead paragraph, the images with their captions)."""
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph) and block.text.startswith(SCREENSHOTS_LEAD):
            end = index + 1
            while end < len(blocks) and isinstance(blocks[end], Image):
                end += 2 if end + 1 < len(blocks) and isinstance(blocks[end + 1], Paragraph) else 1
            if end == index + 1:
                return blocks, None, []
            return blocks[:index] + blocks[end:], block, blocks[index + 1 : end]
    return blocks, None, []


def _screenshots_intro(lead):
    """The first sentence of Screenshots from the lead: ``**Screenshots** (taken by X):``."""
    rest = lead.text[len(SCREENSHOTS_LEAD) :].strip().rstrip(":").strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()
    rest = rest.lstrip(":").strip()
    if not rest:
        return None
    rest = rest[0].upper() + rest[1:]
    return Paragraph(rest if rest[-1] in ".!?" else rest + ".", lead.line)


def render_fragment(text, path="<markdown>", base="readme"):
    """reStructuredText of a Markdown fragment (its headings below ``=`` sections)."""
    parser = _Parser(path)
    blocks = _parse(parser, text)
    return "\n".join(_Renderer(parser, base).blocks(blocks, _heading_chars(blocks))) + "\n"


def _manifest(addon):
    path = addon / "__manifest__.py"
    try:
        manifest = ast.literal_eval(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, SyntaxError) as exc:
        raise ReadmeError(f"{path}: cannot be read as a manifest ({exc})") from exc
    if not isinstance(manifest, dict) or not manifest.get("name"):
        raise ReadmeError(f'{path}: no "name" to title the readme')
    return manifest


def _section(title, lines):
    return ["", title, "=" * len(title), "", *lines]


def generate(addon):
    """The ``README.rst`` text of ``addon`` (a folder with a manifest and ``readme/``)."""
    addon = pathlib.Path(addon)
    manifest = _manifest(addon)
    name = _escape(" ".join(manifest["name"].split()))
    out = ["=" * len(name), name, "=" * len(name)]
    sections = {}
    shots_intro, shots = [], []
    for fragment, title in SECTIONS:
        if fragment is None:
            continue
        path = addon / "readme" / f"{fragment}.md"
        if not path.is_file():
            continue
        parser = _Parser(path.relative_to(ROOT) if ROOT in path.parents else path)
        blocks = _parse(parser, path.read_text(encoding="utf-8"))
        blocks, lead, images = _take_screenshots(blocks)
        renderer = _Renderer(parser, addon=addon)
        if lead is not None:
            intro = _screenshots_intro(lead)
            if intro is not None and intro.text not in (p.text for _r, p in shots_intro):
                shots_intro.append((renderer, intro))
            shots.append((renderer, images))
        lines = renderer.blocks(blocks, _heading_chars(blocks))
        if lines:
            sections[title] = lines
    if shots:
        lines = []
        for renderer, intro in shots_intro:
            lines += ([""] if lines else []) + renderer.paragraph(intro)
        for renderer, images in shots:
            lines += ([""] if lines else []) + renderer.blocks(images)
        sections["Screenshots"] = lines
    for _fragment, title in SECTIONS:
        if title in sections:
            out += _section(title, sections[title])
    licence = manifest.get("license")
    if licence:
        out += _section("Licence", [_escape(LICENCES.get(licence, licence))])
    return "\n".join(out) + "\n"


def _addons(names):
    if not names:
        return sorted(
            path.parent for path in ADDONS_DIR.glob("*/readme") if (path.parent / "__manifest__.py").is_file()
        )
    addons = []
    for name in names:
        path = pathlib.Path(name)
        if not (path / "__manifest__.py").is_file():
            path = ADDONS_DIR / name
        if not (path / "__manifest__.py").is_file() or not (path / "readme").is_dir():
            raise ReadmeError(f"{name}: not an addon with a readme/ folder")
        addons.append(path.resolve())
    return addons


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("addons", nargs="*", metavar="ADDON", help="addon folders or names (default: all)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a README.rst is not up to date")
    args = parser.parse_args(argv)
    try:
        addons = _addons(args.addons)
        stale = []
        for addon in addons:
            text = generate(addon)
            readme = addon / "README.rst"
            current = readme.read_text(encoding="utf-8") if readme.is_file() else None
            if current == text:
                continue
            shown = addon.relative_to(ROOT) if ROOT in addon.parents else addon
            stale.append(shown)
            if not args.check:
                readme.write_text(text, encoding="utf-8")
                print(f"{shown}/README.rst written")
    except (ReadmeError, OSError) as exc:
        print(f"tools/gen_readme.py: {exc}", file=sys.stderr)
        return 2
    if args.check and stale:
        for shown in stale:
            print(
                f"{shown}/README.rst is not what {shown}/readme/*.md give: run tools/gen_readme.py {shown.name}",
                file=sys.stderr,
            )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
