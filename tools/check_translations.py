"""Check the French translations of the addons: complete, reviewed, and read by Odoo without error.

For each addon of ``addons/`` that has ``i18n/<addon>.pot``:

- every entry of the ``.pot`` and of ``fr.po`` names its module (``#. module: <addon>``) and
  has only occurrences that Odoo 18 reads (``model:``, ``model_terms:``, ``code:``); any
  other form makes Odoo log "malformed po file" at install and drop the translation;
- every msgid of the ``.pot`` has a non-empty French msgstr in ``fr.po``;
- no ``fr.po`` entry is fuzzy, obsolete, duplicated, or missing from the ``.pot`` (Odoo
  merges the ``.pot`` into the ``.po`` it loads and ignores such entries);
- the ``%(name)s`` / ``%s`` placeholders of each msgid and its msgstr are the same.

Usage: python tools/check_translations.py [ADDON...]   (needs polib: the test extras)
Exit status 1 with one line per problem when any is found.
"""

import argparse
import collections
import pathlib
import re
import sys

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent
LANG = "fr"
#: The occurrences Odoo 18's PoFileReader loads (odoo/tools/translate.py); anything else is
#: either logged as malformed or skipped as deprecated.
OCCURRENCE_FORMS = (
    re.compile(r"(model|model_terms):([\w.]+),([\w]+):(\w+)\.([^ ]+)$"),
    re.compile(r"code:([\w/.]+)$"),
)
#: printf-style conversions as Python's % operator reads them.
PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[diouxXeEfFgGcrsa%])")


def placeholders(text):
    """(sorted named placeholders, positional conversion types in order) of a format string."""
    named, positional = [], []
    for match in PLACEHOLDER.finditer(text):
        if match["type"] == "%":
            continue
        if match["name"] is not None:
            named.append(f"%({match['name']}){match['type']}")
        else:
            positional.append(f"%{match['type']}")
    return sorted(named), positional


def _entry_problems(addon, entry, where):
    problems = []
    modules = re.findall(r"^modules?: (.*)$", entry.comment or "", re.MULTILINE)
    if not modules or addon not in [m.strip() for m in modules[0].split(",")]:
        problems.append(f"{where}: msgid {entry.msgid!r} lacks '#. module: {addon}'")
    for occurrence, _line in entry.occurrences:
        if not any(form.match(occurrence) for form in OCCURRENCE_FORMS):
            problems.append(
                f"{where}: msgid {entry.msgid!r} has the occurrence {occurrence!r}, which Odoo does not read "
                "(expected model:, model_terms: or code:addons/...)"
            )
    return problems


def check_addon(addon_dir):
    """Problems of one addon's translations (a list of lines), and the count of entries checked."""
    addon = addon_dir.name
    pot_path = addon_dir / "i18n" / f"{addon}.pot"
    po_path = addon_dir / "i18n" / f"{LANG}.po"
    rel_pot, rel_po = pot_path.relative_to(ROOT), po_path.relative_to(ROOT)
    problems = []
    if not po_path.exists():
        return [f"{rel_po}: missing (the French translation of {rel_pot})"], 0
    pot = polib.pofile(str(pot_path))
    po = polib.pofile(str(po_path))
    for path, catalog in ((rel_pot, pot), (rel_po, po)):
        seen = collections.Counter((e.msgctxt, e.msgid) for e in catalog if not e.obsolete)
        problems += [f"{path}: msgid {msgid!r} appears {n} times" for (_c, msgid), n in seen.items() if n > 1]
        for entry in catalog:
            if not entry.obsolete:
                problems += _entry_problems(addon, entry, path)
    translated = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
    template = {(e.msgctxt, e.msgid) for e in pot if not e.obsolete}
    for entry in pot:
        if entry.obsolete:
            continue
        french = translated.get((entry.msgctxt, entry.msgid))
        if french is None or not french.msgstr.strip():
            problems.append(f"{rel_po}: no French for {entry.msgid!r}")
            continue
        if placeholders(entry.msgid) != placeholders(french.msgstr):
            problems.append(
                f"{rel_po}: the placeholders differ between {entry.msgid!r} and its French {french.msgstr!r}"
            )
    for entry in po:
        if entry.obsolete:
            problems.append(f"{rel_po}: obsolete entry {entry.msgid!r} (remove it)")
        elif "fuzzy" in entry.flags:
            problems.append(f"{rel_po}: fuzzy entry {entry.msgid!r} (review its French, then drop the flag)")
        elif (entry.msgctxt, entry.msgid) not in template:
            problems.append(f"{rel_po}: {entry.msgid!r} is not in {rel_pot}: Odoo ignores it (remove it)")
    return problems, len(template)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("addons", nargs="*", help="addon names (default: every addon with a .pot)")
    args = parser.parse_args(argv)
    names = args.addons or sorted(p.parent.parent.name for p in ROOT.glob("addons/*/i18n/*.pot"))
    failed = False
    for name in names:
        addon_dir = ROOT / "addons" / name
        if not (addon_dir / "i18n" / f"{name}.pot").exists():
            print(f"{name}: no i18n/{name}.pot")
            failed = True
            continue
        problems, count = check_addon(addon_dir)
        if problems:
            failed = True
            print(f"{name}: {len(problems)} problem(s) in {count} entries")
            for problem in problems:
                print(f"  {problem}")
        else:
            print(f"{name}: {count} entries, all translated into French")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
