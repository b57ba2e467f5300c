"""tools/gen_readme.py: the Markdown fragments of a readme turned into README.rst."""

import importlib.util
import pathlib
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("gen_readme", ROOT / "tools" / "gen_readme.py")
gen_readme = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_readme)

SAMPLE = textwrap.dedent(
    """\
    Invoices go to the **approved
    platform** (*plateforme agréée*) with `account.move._send()`, see
    [the AFNOR standard](https://www.afnor.org/xp-z12-013) or [WORKS](WORKS.md).

    # Setting up

    1. Open *Accounting > Configuration*, then
       the platform form:
       - tick **Active**;
       - choose the *Syntax*
         (CII by default).
    2. Click **Test**.

    ## Command line

    ```sh
    einvoice validate invoice.xml

    einvoice send --dry-run
    ```

    - A bullet with a lazy
    continuation line.

    ![Platform form](../static/description/platform.png)

    The platform form, with its **Test** button.

    ![Logo](https://example.org/logo.png)
    """
)

EXPECTED = textwrap.dedent(
    """\
    Invoices go to the **approved
    platform** (*plateforme agréée*) with ``account.move._send()``, see
    `the AFNOR standard <https://www.afnor.org/xp-z12-013>`__ or `WORKS <readme/WORKS.md>`__.

    Setting up
    ----------

    1. Open *Accounting > Configuration*, then
       the platform form:

       - tick **Active**;
       - choose the *Syntax*
         (CII by default).

    2. Click **Test**.

    Command line
    ~~~~~~~~~~~~

    .. code-block:: sh

       einvoice validate invoice.xml

       einvoice send --dry-run

    - A bullet with a lazy
      continuation line.

    .. figure:: static/description/platform.png
       :alt: Platform form

       The platform form, with its **Test** button.

    .. image:: https://example.org/logo.png
       :alt: Logo
    """
)


def test_sample_fragment_converted():
    assert gen_readme.render_fragment(SAMPLE) == EXPECTED


def _doctree(rst):
    """The docutils tree of ``rst``; any warning of docutils fails (docutils: Odoo's environment)."""
    pytest.importorskip("docutils", minversion="0.18")
    from docutils.core import publish_doctree

    return publish_doctree(rst, settings_overrides={"report_level": 2, "halt_level": 2, "syntax_highlight": "none"})


def test_sample_renders_with_docutils():
    doctree = _doctree(EXPECTED)
    kinds = [node.tagname for node in doctree.findall()]
    assert kinds.count("section") == 2
    assert {"enumerated_list", "bullet_list", "literal_block", "figure", "caption", "reference", "literal"} <= set(
        kinds
    )
    references = {node.astext(): node["refuri"] for node in doctree.findall() if node.tagname == "reference"}
    assert references == {
        "the AFNOR standard": "https://www.afnor.org/xp-z12-013",
        "WORKS": "readme/WORKS.md",
    }


@pytest.mark.parametrize(
    ("markdown", "rst"),
    [
        # Markup inside a word needs reStructuredText's escaped space.
        ("e**X**tended and `a`s", "e\\ **X**\\ tended and ``a``\\ s"),
        # Characters reStructuredText would read as markup are escaped.
        (
            "3 * 4 | x, name_ and __init__, not snake_case",
            "3 \\* 4 \\| x, name\\_ and \\_\\_init\\_\\_, not snake_case",
        ),
        ("Markdown \\*escapes\\* stay literal", "Markdown \\*escapes\\* stay literal"),
        # A paragraph that reStructuredText would read as a list or a field starts escaped.
        ("A. Dupont signs.", "\\A. Dupont signs."),
        (":note: kept", "\\:note: kept"),
        ("ends with::", "ends with:\\:"),
        ("<https://piste.gouv.fr>", "https://piste.gouv.fr"),
        # reStructuredText cannot nest markup in a link: its text stays, plain.
        ("[**Chorus** `Pro`](https://chorus-pro.gouv.fr)", "`Chorus Pro <https://chorus-pro.gouv.fr>`__"),
        ("10. Ten\n11. Eleven", "10. Ten\n11. Eleven"),
        ("- one\n\n- two", "- one\n- two"),
    ],
)
def test_inline_and_lists(markdown, rst):
    assert gen_readme.render_fragment(markdown) == rst + "\n"


@pytest.mark.parametrize(
    ("markdown", "problem"),
    [
        ("Text\n\n| a | b |\n|---|---|\n| 1 | 2 |", "SAMPLE.md:3: a table"),
        ("a | b\n--- | ---", "SAMPLE.md:1: a table"),
        ("Text\n> quoted", "SAMPLE.md:2: a block quote"),
        ("Title\n=====", "SAMPLE.md:2: a setext heading"),
        ("<div>x</div>", "SAMPLE.md:1: a raw HTML block"),
        ("    indented code", "SAMPLE.md:1: an indented code block"),
        ("```\nnot closed", "SAMPLE.md:1: the code block opened here is not closed"),
        ("**bold *and italic***", "SAMPLE.md:1: nested inline markup"),
        ("See ![x](a.png) here", "SAMPLE.md:1: an image inside a paragraph"),
        ("- item\n\n  # Heading", "SAMPLE.md:3: a heading inside a list"),
    ],
)
def test_unsupported_markdown_refused(markdown, problem):
    with pytest.raises(gen_readme.ReadmeError, match="^" + problem.replace("*", r"\*")):
        gen_readme.render_fragment(markdown, path="SAMPLE.md")


@pytest.mark.parametrize("readme", sorted(ROOT.glob("addons/*/README.rst")), ids=lambda path: path.parent.name)
def test_addon_readmes_render(readme):
    doctree = _doctree(readme.read_text(encoding="utf-8"))
    titles = [node.astext() for node in doctree.findall() if node.tagname == "title"]
    assert titles[1] == "Description"
    assert titles[-1] == "Licence"


def _addon(tmp_path, fragments, images=()):
    addon = tmp_path / "my_addon"
    (addon / "readme").mkdir(parents=True)
    (addon / "__manifest__.py").write_text('{"name": "My addon_", "license": "LGPL-3", "version": "18.0.1.0.0"}\n')
    for name, text in fragments.items():
        (addon / "readme" / name).write_text(textwrap.dedent(text))
    for image in images:
        (addon / image).parent.mkdir(parents=True, exist_ok=True)
        (addon / image).write_bytes(b"\x89PNG")
    return addon


FRAGMENTS = {
    "USAGE.md": """\
        Post the invoice.

        **Screenshots** (taken by `tools/screenshots.py` from the demo database):

        ![Invoice form](../static/description/invoice.png)

        The invoice form.

        **Afterwards** it is sent.
        """,
    "DESCRIPTION.md": "Sends invoices.\n",
    "HISTORY.md": "## 18.0.1.0.0\n\nFirst version.\n",
    "CONFIGURE.md": "1. Set the platform.\n",
    "WORKS.md": "A document of its own.\n",
}


def test_generate_readme_of_an_addon(tmp_path):
    addon = _addon(tmp_path, FRAGMENTS, images=["static/description/invoice.png"])
    assert gen_readme.generate(addon) == textwrap.dedent(
        """\
        ==========
        My addon\\_
        ==========

        Description
        ===========

        Sends invoices.

        Configuration
        =============

        1. Set the platform.

        Usage
        =====

        Post the invoice.

        **Afterwards** it is sent.

        Changelog
        =========

        18.0.1.0.0
        ----------

        First version.

        Screenshots
        ===========

        Taken by ``tools/screenshots.py`` from the demo database.

        .. figure:: static/description/invoice.png
           :alt: Invoice form

           The invoice form.

        Licence
        =======

        LGPL-3.0-or-later.
        """
    )


def test_missing_image_refused(tmp_path):
    addon = _addon(tmp_path, FRAGMENTS)
    with pytest.raises(gen_readme.ReadmeError, match=r"USAGE\.md:5: the image \.\./static/description/invoice\.png"):
        gen_readme.generate(addon)


def test_check_names_stale_readmes_and_write_fixes_them(tmp_path, capsys):
    addon = _addon(tmp_path, FRAGMENTS, images=["static/description/invoice.png"])
    (addon / "README.rst").write_text("hand-written\n")
    assert gen_readme.main(["--check", str(addon)]) == 1
    assert "my_addon/README.rst is not what" in capsys.readouterr().err
    assert (addon / "README.rst").read_text() == "hand-written\n"
    assert gen_readme.main([str(addon)]) == 0
    assert gen_readme.main(["--check", str(addon)]) == 0
    assert (addon / "README.rst").read_text() == gen_readme.generate(addon)
