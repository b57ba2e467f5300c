"""Bring the addons' translation templates and French catalogs in line with an Odoo export.

Input: the ``.tgz`` that ``odoo-bin --i18n-export=FILE.tgz --modules=ADDONS`` writes
(``<addon>/i18n/<addon>.pot`` for each addon), from a database where the addons are installed.

Default mode, for each addon of the export:

- ``i18n/<addon>.pot`` becomes the export (left untouched when only its dates differ);
- ``i18n/fr.po`` gets the entries of the new ``.pot``, in its order, with their
  occurrences and comments; a msgid translated before keeps its French; a new msgid close
  to a removed one gets that one's French flagged ``fuzzy`` (to review); entries gone from
  the code are dropped. Then ``tools/check_translations.py`` says what is left to translate.

``--check``: change nothing; exit 1 when an addon's ``.pot`` lacks a msgid of the code or
holds one the code no longer has (run ``tools/update_translations.sh``).

Usage: python tools/merge_translations.py EXPORT.tgz [--check]   (needs polib)
"""

import argparse
import difflib
import pathlib
import sys
import tarfile

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent
LANG = "fr"
WRAP = 78  # polib's default, as Odoo writes its files


def _key(entry):
    return entry.msgctxt, entry.msgid


def _content(catalog):
    """A catalog's entries as comparable data, without its header and dates."""
    return [
        (e.msgctxt, e.msgid, e.msgid_plural, tuple(e.occurrences), e.comment, tuple(e.flags))
        for e in catalog
        if not e.obsolete
    ]


def read_export(path):
    """{addon: POFile} of an Odoo ``.tgz`` export."""
    catalogs = {}
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            parts = pathlib.PurePosixPath(member.name).parts
            if len(parts) == 3 and parts[1] == "i18n" and parts[2] == f"{parts[0]}.pot":
                data = tar.extractfile(member).read().decode()
                catalogs[parts[0]] = polib.pofile(data, wrapwidth=WRAP)
    return catalogs


def write_pot(addon_dir, exported):
    """Write the new template; returns False when the one in place says the same."""
    path = addon_dir / "i18n" / f"{addon_dir.name}.pot"
    if path.exists() and _content(polib.pofile(str(path))) == _content(exported):
        return False
    path.parent.mkdir(exist_ok=True)
    exported.save(str(path))
    return True


def merge_po(addon_dir, pot):
    """Merge the template into fr.po; returns (kept, fuzzy, untranslated, dropped) counts."""
    path = addon_dir / "i18n" / f"{LANG}.po"
    old = polib.pofile(str(path), wrapwidth=WRAP) if path.exists() else polib.POFile(wrapwidth=WRAP)
    previous = {_key(e): e for e in old if not e.obsolete}
    new = polib.POFile(wrapwidth=WRAP)
    new.header = old.header or pot.header
    new.metadata = dict(old.metadata or pot.metadata)
    new.metadata.setdefault("Language", LANG)
    new.metadata.setdefault("Plural-Forms", "nplurals=2; plural=(n > 1);")
    wanted = {_key(e) for e in pot if not e.obsolete}
    # French of the msgids that leave, offered to close new msgids as fuzzy suggestions.
    leaving = {e.msgid: e for key, e in previous.items() if key not in wanted and e.msgstr}
    kept = fuzzy = untranslated = 0
    for template in pot:
        if template.obsolete:
            continue
        entry = polib.POEntry(
            msgid=template.msgid,
            msgctxt=template.msgctxt,
            msgid_plural=template.msgid_plural,
            occurrences=list(template.occurrences),
            comment=template.comment,
            flags=list(template.flags),
        )
        before = previous.get(_key(template))
        if before is not None and before.msgstr:
            entry.msgstr = before.msgstr
            if "fuzzy" in before.flags:
                entry.flags.append("fuzzy")
                entry.previous_msgid = before.previous_msgid
                fuzzy += 1
            else:
                kept += 1
        else:
            close = difflib.get_close_matches(template.msgid, list(leaving), n=1, cutoff=0.8)
            if close:
                entry.msgstr = leaving[close[0]].msgstr
                entry.flags.append("fuzzy")
                entry.previous_msgid = close[0]
                fuzzy += 1
            else:
                untranslated += 1
        new.append(entry)
    dropped = len([key for key in previous if key not in wanted]) + len([e for e in old if e.obsolete])
    path.parent.mkdir(exist_ok=True)
    new.save(str(path))
    return kept, fuzzy, untranslated, dropped


def check(addon_dir, pot):
    """Lines naming the msgids the code and the committed template disagree on."""
    path = addon_dir / "i18n" / f"{addon_dir.name}.pot"
    committed = {_key(e) for e in polib.pofile(str(path)) if not e.obsolete} if path.exists() else set()
    current = {_key(e) for e in pot if not e.obsolete}
    rel = path.relative_to(ROOT)
    lines = [f"{rel}: lacks {msgid!r}" for _ctx, msgid in sorted(current - committed, key=str)]
    lines += [f"{rel}: holds {msgid!r}, no longer in the addon" for _ctx, msgid in sorted(committed - current, key=str)]
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", help="the .tgz written by odoo-bin --i18n-export")
    parser.add_argument("--check", action="store_true", help="only say whether the templates match the code")
    args = parser.parse_args(argv)
    catalogs = read_export(args.export)
    if not catalogs:
        print(f"{args.export}: no <addon>/i18n/<addon>.pot in this export")
        return 1
    failed = False
    for addon, pot in sorted(catalogs.items()):
        addon_dir = ROOT / "addons" / addon
        if not addon_dir.is_dir():
            continue
        if args.check:
            lines = check(addon_dir, pot)
            if lines:
                failed = True
                print(f"{addon}: the template differs from the code (run tools/update_translations.sh {addon}):")
                print("\n".join(f"  {line}" for line in lines))
            else:
                print(f"{addon}: template up to date ({len(pot)} msgids)")
            continue
        changed = write_pot(addon_dir, pot)
        kept, fuzzy, untranslated, dropped = merge_po(addon_dir, pot)
        print(
            f"{addon}: {len(pot)} msgids ({'template rewritten' if changed else 'template unchanged'}); "
            f"{LANG}.po: {kept} translated, {fuzzy} fuzzy to review, {untranslated} to translate, {dropped} dropped"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
