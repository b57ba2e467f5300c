"""Structure-aware mutation fuzzing of the engine's entry points.

The rule it checks: for any input, :func:`einvoice.api.load`, :func:`einvoice.api.check`
and :func:`einvoice.api.build` (on what ``load`` returned) either return or raise an
:class:`~einvoice.errors.EInvoiceError`; any other exception is a crash, and no input may
take more than :data:`MAX_SECONDS`.

Inputs are mutations of seeds: the official EN16931 examples (CII and UBL) and CDAR
messages of the artefacts directory when it is configured, else invoices built from
:mod:`einvoice.testing.cases`; an e-reporting report; and Factur-X PDFs the engine writes.
The mutators know the structures they change:

- on the XML tree: delete, duplicate, move, empty or repeat an element, graft an element
  of another seed, change a text to an odd value (empty, huge, non-ASCII digits, exponents,
  characters XML allows but readers trip on), change or add attributes, move an element to
  another namespace, nest deeply, add hundreds of attributes, swap the root (CII, UBL,
  CDAR, e-reporting), change BT-24, put comments inside values; then sometimes the
  serialised bytes (truncation, a flipped byte, another encoding, markup inserted);
- on PDFs: the bytes (truncation, flipped bytes, a region deleted or repeated, an update
  appended) and the object graph through pikepdf, an independent PDF library (keys of the
  catalog and below removed or given a wrong type, reference cycles, cyclic name trees,
  streams that do not decode or inflate past every limit, a second invoice XML, the
  embedded invoice XML or the XMP metadata replaced by a mutated one, encryption).

Input number ``i`` of a run with seed ``s`` is generated from ``random.Random(f"{s}:{i}")``
alone (:meth:`Generator.generate`), and the seeds are the same byte for byte on every run,
so any input of a campaign is made again from its seed and number, on any machine with the
same artefacts. :func:`reduce_xml` shrinks a crashing XML to what the crash needs.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import io
import random
import re
import sys
import time
import traceback
import warnings
import zlib
from pathlib import Path

from lxml import etree

from .. import api
from ..config import artefacts_dir
from ..errors import EInvoiceError
from ..profiles import CII_PROFILES, SPECIFICATION_IDS, UBL_PROFILES, Profile

#: No input may take longer than this (load, check and builds together).
MAX_SECONDS = 10.0
#: Most bytes one copying mutation adds: inputs are hostile by their structure and values, not
#: by their volume (what the engine does with a large legitimate file is measured apart).
MAX_GROWTH = 8 * 1024 * 1024
#: The share of inputs mutated from a PDF seed (the others from XML seeds).
PDF_SHARE = 0.3
#: The engine's own source folder, to name the innermost engine frame of a crash.
ENGINE_DIR = Path(__file__).resolve().parent.parent

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cdar": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
}
ROOT_TAGS = (
    f"{{{NS['rsm']}}}CrossIndustryInvoice",
    f"{{{NS['inv']}}}Invoice",
    f"{{{NS['cn']}}}CreditNote",
    f"{{{NS['cdar']}}}CrossDomainAcknowledgementAndResponse",
    "Report",
    f"{{{NS['rsm']}}}CrossIndustryDocument",
    "Invoice",
)
OTHER_NAMESPACES = (*NS.values(), "", "urn:example:unknown", "http://www.w3.org/2000/svg")

#: Texts that readers trip on; each is a valid XML 1.0 character string.
ODD_TEXTS = (
    "",
    " ",
    "\t\r\n",
    "0",
    "-0",
    "+.5",
    "7.",
    ".",
    "-",
    "1.2.3",
    "12,50",
    "1 000",
    "1_000",
    "1E5",
    "1e-400",
    "1E+999999999",
    "NaN",
    "-Infinity",
    "sNaN",
    "0x1F",
    "\u0661\u0662\u0663",  # Arabic-Indic digits
    "\uff11\uff12",  # full-width digits
    "\u00b2",  # superscript two
    "\u0967",  # Devanagari one
    "9" * 41,
    "0." + "0" * 38 + "1",
    "99999999999999999999999999999999999999.99",
    "-99999999999999.99",
    "1" * 5000,
    "x" * 200_000,
    "20261332",
    "00000000",
    "99991231",
    "2026-09-15",
    "20260229",
    "EUR",
    "XXX",
    "eur",
    "FR",
    "ZZ",
    "true",
    "null",
    "\u202eFR",  # right-to-left override
    "Dvo\u0159\u00e1k \u202f \u00c6\u0152 \u03a9 \u0416 \u4e2d",
    "\U0001f600",
    "e\u0301\u0301\u0301",
    "\ufeff12",
    "12\u00a0",
    "\x85\u2028\u2029",
    "\x7f\x80\x9f",
    "\ufdd0\ufffd",
    "<&>\"']]>",
    "%PDF-1.7",
    "<?xml version='1.0'?>",
)
#: Attributes the engine reads (or that readers look at), and odd values for them.
ATTRIBUTE_NAMES = (
    "currencyID",
    "schemeID",
    "format",
    "unitCode",
    "listID",
    "mimeCode",
    "filename",
    "schemeAgencyID",
    "languageID",
    "{http://www.w3.org/XML/1998/namespace}lang",
    "{http://www.w3.org/2001/XMLSchema-instance}type",
    "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation",
    "{urn:example:unknown}currencyID",
)
ODD_ATTRIBUTE_VALUES = (
    "",
    "EUR",
    "USD",
    "XXX",
    "102",
    "203",
    "610",
    "999",
    "0002",
    "0009",
    "0225",
    "EM",
    "C62",
    "HUR",
    "application/pdf",
    "text/xml",
    "\u0661",
    "x" * 10_000,
    "Dvo\u0159\u00e1k",
    "\t",
)
SPECIFICATION_TEXTS = (
    *SPECIFICATION_IDS.values(),
    "urn:zugferd.de:2p0:minimum",
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended#extra",
    "",
    "unknown",
)
#: Small byte strings that break a serialised document in interesting places.
BYTE_INSERTS = (
    b"<",
    b"&",
    b"&amp",
    b"&#0;",
    b"&#x1F600;",
    b"&#xD800;",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b"<!DOCTYPE x>",
    b'<!DOCTYPE x [<!ENTITY e "e">]>',
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<?xml-stylesheet href='x.xsl'?>",
    b'xmlns="urn:x"',
    b'xmlns:ram="urn:x"',
    b" a='1' a='2'",
)
ENCODING_DECLARATIONS = (
    b'<?xml version="1.0" encoding="UTF-16"?>',
    b'<?xml version="1.0" encoding="ISO-8859-1"?>',
    b'<?xml version="1.0" encoding="EBCDIC-INT"?>',
    b'<?xml version="1.1" encoding="UTF-8"?>',
    b'<?xml version="2.0"?>',
    b'<?xml version="1.0" encoding="no-such-encoding"?>',
    b'<?xml version="1.0" standalone="no"?>',
    b"\xef\xbb\xbf",
)


@dataclasses.dataclass(frozen=True)
class Seed:
    name: str
    data: bytes

    @property
    def is_pdf(self):
        return self.data.startswith(b"%PDF-")


@dataclasses.dataclass(frozen=True)
class FuzzInput:
    index: int
    seed: str  # the seed input's name
    mutations: tuple  # what was done, for the report
    data: bytes


@dataclasses.dataclass
class Crash:
    stage: str  # load, check, build cii...
    signature: str  # exception type and innermost engine frame
    message: str
    traceback: str


@dataclasses.dataclass
class Outcome:
    seconds: float
    crashes: list
    loaded: bool


# --- seeds -----------------------------------------------------------------------------


def seeds(reference=None, pdf_cases=("b2b_goods_standard", "item_details", "with_attachments")):
    """The seed inputs: official examples when the artefacts directory is there, else built ones.

    ``reference`` is the artefacts directory (default: the configured one). Factur-X PDFs are
    always the engine's own (from ``pdf_cases`` of :data:`einvoice.testing.cases.CASES`), in
    the EN 16931 and EXTENDED profiles, and one on a base with a link and a form field.
    """
    from . import ereporting
    from .cases import CASES

    reference = artefacts_dir() if reference is None else Path(reference)
    found = []
    if reference is not None:
        for folder in ("en16931/cii", "en16931/ubl", "cdar-examples"):
            for path in sorted((reference / folder).glob("*")):
                if path.suffix.lower() == ".xml":
                    found.append(Seed(f"{folder}/{path.name}", path.read_bytes()))
    if not any(seed.name.startswith("en16931/") for seed in found):
        for name in sorted(CASES):
            invoice = CASES[name]()
            found.append(Seed(f"cases/{name}.cii.xml", api.build(invoice, "cii")))
            found.append(Seed(f"cases/{name}.ubl.xml", api.build(invoice, "ubl")))
    found.append(Seed("ereporting/transactions.xml", ereporting.to_bytes(ereporting.transactions_report())))
    for name in pdf_cases:
        for profile in (Profile.EN16931, Profile.EXTENDED):
            found.append(Seed(f"facturx/{name}.{profile.name}.pdf", facturx_seed(CASES[name](), profile)))
    if _pikepdf() is not None:
        name = pdf_cases[0]
        pdf = facturx_seed(CASES[name](), Profile.EN16931, base=_links_and_form)
        found.append(Seed(f"facturx/{name}.links-and-form.EN16931.pdf", pdf))
    return found


def _links_and_form(pdf):
    """``pdf`` with what office and report tools add: a link (URI action), a form field with
    its appearance and the form's default resources, drawing with the page's embedded fonts."""
    pikepdf = _pikepdf()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        fonts = page.Resources.Font
        font = min(fonts.keys())
        appearance = pikepdf.Stream(document, f"BT {font} 9 Tf 1 1 Td (Note) Tj ET".encode())
        appearance.Type, appearance.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        appearance.BBox, appearance.Resources = [0, 0, 60, 12], pikepdf.Dictionary(Font=fonts)
        action = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org/facture"))
        link = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[50, 50, 150, 62], Border=[0, 0, 0], A=action
        )
        field = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Tx,
            T=pikepdf.String("remarque"),
            V=pikepdf.String("Note"),
            Rect=[50, 70, 110, 82],
            F=4,
            P=page.obj,
            AP=pikepdf.Dictionary(N=document.make_indirect(appearance)),
        )
        link, field = document.make_indirect(link), document.make_indirect(field)
        page.Annots = document.make_indirect(pikepdf.Array([link, field]))
        document.Root.AcroForm = pikepdf.Dictionary(
            Fields=pikepdf.Array([field]), DR=pikepdf.Dictionary(Font=fonts), DA=pikepdf.String(f"{font} 9 Tf 0 g")
        )
        out = io.BytesIO()
        document.save(out, deterministic_id=True)
        return out.getvalue()


#: The moment written into the seed PDFs, so that they are the same on every run.
SEED_MOMENT = datetime.datetime(2026, 9, 15, 12, 0, tzinfo=datetime.timezone.utc)


def facturx_seed(invoice, profile, base=None):
    """The Factur-X :func:`einvoice.api.build` writes, made the same byte for byte on every run;
    ``base`` changes the rendered PDF before the XML is embedded into it."""
    from ..cii import build_cii
    from ..pdf import embed_xml
    from ..render import render_pdf

    rendered = render_pdf(invoice) if base is None else base(render_pdf(invoice))
    pdf = embed_xml(rendered, build_cii(invoice, profile, facturx=True), profile, moment=SEED_MOMENT)
    pikepdf = _pikepdf()
    if pikepdf is None:
        return pdf
    # Two things change from run to run: the creation date (and so the id) LittleCMS writes
    # into the sRGB profile, and the file identifier pypdf draws at random.
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for intent in document.Root.get("/OutputIntents", ()):
            icc = bytearray(intent.DestOutputProfile.read_bytes())
            icc[24:36], icc[84:100] = bytes(12), bytes(16)  # ICC header: date and time, profile id
            intent.DestOutputProfile.write(zlib.compress(bytes(icc)), filter=pikepdf.Name.FlateDecode)
        out = io.BytesIO()
        document.save(out, deterministic_id=True, fix_metadata_version=False)
    return out.getvalue()


# --- XML mutations -----------------------------------------------------------------------


def _elements(root):
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _pick_element(rng, root, with_parent=False):
    elements = _elements(root)
    if with_parent:
        elements = [e for e in elements if e.getparent() is not None]
    if not elements:
        return None
    leaves = [e for e in elements if len(e) == 0]
    # Values are where readers convert and compare: favour leaves.
    return rng.choice(leaves if leaves and rng.random() < 0.6 else elements)


def _odd_text(rng):
    if rng.random() < 0.8:
        return rng.choice(ODD_TEXTS)
    alphabet = "0123456789.-+eE ,\u0660\u0661\uff10\u00a0\t"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))


def _local(tag):
    return etree.QName(tag).localname


def _namespace(tag):
    return etree.QName(tag).namespace or ""


def m_delete(rng, root, material):
    node = _pick_element(rng, root, with_parent=True)
    if node is None:
        return None
    node.getparent().remove(node)
    return f"delete {_local(node.tag)}"


def m_duplicate(rng, root, material):
    node = _pick_element(rng, root, with_parent=True)
    if node is None:
        return None
    count = _bounded(node, rng.choice((1, 1, 1, 2, 5, 50)))
    for _ in range(count):
        node.addnext(copy.deepcopy(node))
    return f"duplicate {_local(node.tag)} x{count}"


def _bounded(node, count):
    """``count`` copies of ``node``, or fewer when they would add over :data:`MAX_GROWTH` bytes."""
    return max(1, min(count, MAX_GROWTH // max(1, len(etree.tostring(node)))))


def m_repeat_line(rng, root, material):
    """Many copies of an invoice line (or any repeated structure): work must stay bounded."""
    lines = [e for e in _elements(root) if _local(e.tag) in ("IncludedSupplyChainTradeLineItem", "InvoiceLine")]
    lines += [e for e in _elements(root) if _local(e.tag) in ("CreditNoteLine", "IncludedNote", "Note")]
    if not lines:
        return None
    node = rng.choice(lines)
    count = _bounded(node, min(rng.choice((100, 500, 2000)), material.max_repeat))
    for _ in range(count):
        node.addnext(copy.deepcopy(node))
    return f"repeat {_local(node.tag)} x{count}"


def m_move(rng, root, material):
    node = _pick_element(rng, root, with_parent=True)
    if node is None:
        return None
    inside = set(node.iter())
    targets = [e for e in _elements(root) if e not in inside]
    if not targets:
        return None
    target = rng.choice(targets)
    node.getparent().remove(node)
    target.insert(rng.randint(0, len(target)), node)
    return f"move {_local(node.tag)} into {_local(target.tag)}"


def m_swap_siblings(rng, root, material):
    parents = [e for e in _elements(root) if len(e) >= 2]
    if not parents:
        return None
    parent = rng.choice(parents)
    i, j = sorted(rng.sample(range(len(parent)), 2))
    first, second = parent[i], parent[j]
    parent.insert(j, first)
    parent.insert(i, second)
    return f"swap children {i} and {j} of {_local(parent.tag)}"


def m_empty(rng, root, material):
    parents = [e for e in _elements(root) if len(e)]
    if not parents:
        return None
    node = rng.choice(parents)
    for child in list(node):
        node.remove(child)
    node.text = rng.choice((None, "", "text"))
    return f"empty {_local(node.tag)}"


def m_text(rng, root, material):
    node = _pick_element(rng, root)
    if node is None:
        return None
    value = _odd_text(rng)
    node.text = value
    return f"text of {_local(node.tag)} = {value[:20]!r}" + ("..." if len(value) > 20 else "")


def m_number_text(rng, root, material):
    """An odd value where a number is read: amounts, quantities, rates, percentages."""
    numeric = ("Amount", "Quantity", "Percent", "Rate", "Price", "Total", "Measure", "Numeric")
    nodes = [e for e in _elements(root) if len(e) == 0 and any(k in _local(e.tag) for k in numeric)]
    if not nodes:
        return None
    node = rng.choice(nodes)
    node.text = _odd_text(rng)
    return f"number {_local(node.tag)} = {node.text[:20]!r}"


def m_date_text(rng, root, material):
    nodes = [e for e in _elements(root) if len(e) == 0 and ("Date" in _local(e.tag) or e.get("format"))]
    if not nodes:
        return None
    node = rng.choice(nodes)
    node.text = rng.choice(("20261332", "00000000", "2026-02-30", "99999999", "2026091", "", "\u0662\u0660", "x"))
    if rng.random() < 0.3:
        node.set("format", rng.choice(("102", "203", "610", "")))
    return f"date {_local(node.tag)} = {node.text!r}"


def m_mixed_content(rng, root, material):
    """A comment or a child element inside a value: ``.text`` is then only its first part."""
    node = _pick_element(rng, root)
    if node is None:
        return None
    if rng.random() < 0.5:
        node.insert(0, etree.Comment(" c "))
        node.text = rng.choice((None, "", "12"))
        return f"comment inside {_local(node.tag)}"
    etree.SubElement(node, etree.QName(_namespace(node.tag) or None, "Extra")).text = "1"
    return f"child inside {_local(node.tag)}"


def m_attribute(rng, root, material):
    node = _pick_element(rng, root)
    if node is None:
        return None
    if node.attrib and rng.random() < 0.3:
        name = rng.choice(list(node.attrib))
        del node.attrib[name]
        return f"drop @{_local(name)} of {_local(node.tag)}"
    name = rng.choice([*node.attrib, *ATTRIBUTE_NAMES] if node.attrib else ATTRIBUTE_NAMES)
    value = rng.choice(ODD_ATTRIBUTE_VALUES) if rng.random() < 0.7 else _odd_text(rng)
    node.set(name, value)
    return f"@{_local(name)} of {_local(node.tag)} = {value[:20]!r}"


def m_many_attributes(rng, root, material):
    node = _pick_element(rng, root)
    if node is None:
        return None
    count = rng.choice((150, 201, 300))
    for index in range(count):
        node.set(f"a{index}", "x")
    return f"{count} attributes on {_local(node.tag)}"


def m_namespace(rng, root, material):
    node = _pick_element(rng, root)
    if node is None:
        return None
    namespace = rng.choice(OTHER_NAMESPACES)
    node.tag = etree.QName(namespace or None, _local(node.tag)).text
    return f"namespace of {_local(node.tag)} = {namespace!r}"


def m_deep(rng, root, material):
    node = _pick_element(rng, root)
    if node is None:
        return None
    depth = rng.choice((20, 99, 101, 150, 250, 300))
    name = etree.QName(_namespace(node.tag) or None, rng.choice(("Content", _local(node.tag), "X"))).text
    for _ in range(depth):
        node = etree.SubElement(node, name)
    node.text = "1"
    return f"{depth} nested elements"


def m_swap_root(rng, root, material):
    tag = rng.choice(ROOT_TAGS)
    old = _local(root.tag)
    root.tag = tag
    if rng.random() < 0.3:
        # Move the whole document to the new root's namespace, as a confused exporter would.
        namespace = _namespace(tag)
        for node in _elements(root):
            node.tag = etree.QName(namespace or None, _local(node.tag)).text
        return f"root {old} -> {tag} (everything in its namespace)"
    return f"root {old} -> {tag}"


def m_graft(rng, root, material):
    """An element of another seed (a UBL party in a CII, a CDAR status in an invoice...)."""
    donor = rng.choice(material.donors)
    candidates = [e for e in _elements(donor) if e.getparent() is not None]
    if not candidates:
        return None
    node = copy.deepcopy(rng.choice(candidates))
    target = _pick_element(rng, root)
    if target is None:
        return None
    target.insert(rng.randint(0, len(target)), node)
    return f"graft {_local(node.tag)} into {_local(target.tag)}"


def m_specification(rng, root, material):
    """Another BT-24, so that every validation plan (profiles, CTC-FR, unknown) is reached."""
    nodes = [
        e
        for e in _elements(root)
        if _local(e.tag) == "CustomizationID"
        or (
            _local(e.tag) == "ID"
            and e.getparent() is not None
            and _local(e.getparent().tag) == "GuidelineSpecifiedDocumentContextParameter"
        )
    ]
    if not nodes:
        return None
    value = rng.choice(SPECIFICATION_TEXTS)
    rng.choice(nodes).text = value
    return f"BT-24 = {value!r}"


XML_TREE_MUTATORS = (
    (m_delete, 10),
    (m_duplicate, 6),
    (m_repeat_line, 1),
    (m_move, 5),
    (m_swap_siblings, 3),
    (m_empty, 3),
    (m_text, 14),
    (m_number_text, 10),
    (m_date_text, 4),
    (m_mixed_content, 4),
    (m_attribute, 8),
    (m_many_attributes, 1),
    (m_namespace, 5),
    (m_deep, 2),
    (m_swap_root, 3),
    (m_graft, 6),
    (m_specification, 4),
)


def _weighted(rng, table):
    functions, weights = zip(*table)
    return rng.choices(functions, weights=weights)[0]


def mutate_xml_tree(rng, root, material, count=None):
    """Apply 1 to 4 tree mutations to ``root`` in place; returns their descriptions."""
    done = []
    for _ in range(count or rng.choice((1, 1, 1, 2, 2, 3, 4))):
        described = _weighted(rng, XML_TREE_MUTATORS)(rng, root, material)
        if described:
            done.append(described)
    return done


def mutate_bytes(rng, data, inserts=BYTE_INSERTS):
    """One byte-level change: truncate, flip, delete, repeat or insert."""
    if not data:
        return b"<", "empty -> '<'"
    kind = rng.choice(("truncate", "flip", "delete", "repeat", "insert", "insert"))
    at = rng.randrange(len(data))
    if kind == "truncate":
        return data[:at], f"truncate at {at}"
    if kind == "flip":
        count = rng.choice((1, 1, 4, 32))
        buffer = bytearray(data)
        for _ in range(count):
            position = rng.randrange(len(buffer))
            buffer[position] ^= 1 << rng.randrange(8)
        return bytes(buffer), f"flip {count} bits from {at}"
    size = rng.choice((1, 16, 256, 4096))
    if kind == "delete":
        return data[:at] + data[at + size :], f"delete {size} bytes at {at}"
    if kind == "repeat":
        return data[:at] + data[at : at + size] * rng.choice((2, 10)) + data[at:], f"repeat {size} bytes at {at}"
    text = rng.choice(inserts)
    return data[:at] + text + data[at:], f"insert {text[:20]!r} at {at}"


def mutate_xml_bytes(rng, data):
    kind = rng.random()
    if kind < 0.2:
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        declaration = rng.choice(ENCODING_DECLARATIONS)
        return declaration + body, f"declaration {declaration[:40]!r}"
    if kind < 0.3:
        text = data.decode("utf-8", "replace")
        encoding = rng.choice(("utf-16", "utf-16-le", "utf-32", "latin-1"))
        return text.encode(encoding, "replace"), f"re-encoded {encoding}"
    return mutate_bytes(rng, data)


def other_prefixes(data):
    """The same document with other namespace prefixes: readers must go by namespace, not prefix."""
    for prefix in (b"rsm", b"ram", b"udt", b"qdt", b"cac", b"cbc"):
        data = re.sub(rb"(?<=[<\s/:])" + prefix + rb"(?=[:=])", prefix + b"0", data)
    return data


def mutate_xml(rng, data, material):
    """``data`` (an XML seed) mutated; returns (bytes, descriptions)."""
    root = etree.fromstring(data)
    done = mutate_xml_tree(rng, root, material)
    out = etree.tostring(root, xml_declaration=rng.random() < 0.5, encoding="UTF-8")
    if rng.random() < 0.05:
        out = other_prefixes(out)
        done.append("other prefixes")
    if rng.random() < 0.12:
        out, described = mutate_xml_bytes(rng, out)
        done.append(described)
    return out, done


# --- PDF mutations -----------------------------------------------------------------------


def _pikepdf():
    try:
        import pikepdf
    except ImportError:  # pikepdf is a test dependency: without it PDFs get byte mutations only
        return None
    return pikepdf


def _reachable(pikepdf, document, limit=400):
    """(container, key) pairs reachable from the catalog, breadth first, each object once."""
    pairs, pending, seen = [], [document.Root], set()
    while pending and len(pairs) < limit:
        node = pending.pop(0)
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        if isinstance(node, (pikepdf.Dictionary, pikepdf.Stream)):
            keys = sorted(node.keys())  # a set: its order changes from one process to the next
        elif isinstance(node, pikepdf.Array):
            keys = list(range(len(node)))
        else:
            continue
        for key in keys:
            if key in ("/Parent", "/P") or (key == "/Length" and isinstance(node, pikepdf.Stream)):
                continue  # back links (the forward walk reaches the same objects); pikepdf's own
            pairs.append((node, key))
            value = node[key]
            if isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)):
                pending.append(value)
    return pairs


def _wrong_value(rng, pikepdf, document, container):
    choices = (
        lambda: rng.choice((0, -1, 7, 2**31, 10**15)),
        lambda: 3.5,
        lambda: pikepdf.Name(rng.choice(("/X", "/Names", "/FlateDecode", "/Alternative", "/text#2Fxml"))),
        lambda: pikepdf.String(rng.choice(("factur-x.xml", "", "\u00e9", "x" * 1000))),
        lambda: pikepdf.Array(rng.choice(([], [1, 2], ["factur-x.xml"], [pikepdf.Dictionary()]))),
        lambda: pikepdf.Dictionary(),
        lambda: True,
        lambda: document.Root,  # a cycle back to the catalog
        lambda: container if container.is_indirect else document.Root,  # a cycle to itself
    )
    return rng.choice(choices)()


def _embedded_streams(pikepdf, document):
    """(file specification, stream) of every embedded file reachable from the catalog."""
    found = []
    for container, key in _reachable(pikepdf, document):
        files = container[key]
        if key == "/EF" and isinstance(files, pikepdf.Dictionary):
            found += [(container, files[k]) for k in ("/F", "/UF") if isinstance(files.get(k), pikepdf.Stream)]
    return found


def _inflating(prefix, megabytes):
    """Flate data of ``prefix`` followed by ``megabytes`` MB of spaces (a few hundred kB)."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    return packer.compress(prefix) + b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()


def p_inflate(rng, pikepdf, document, material):
    """An embedded file or the XMP that inflates past the engine's and pypdf's limits."""
    streams = [stream for _spec, stream in _embedded_streams(pikepdf, document)]
    if "/Metadata" in document.Root and isinstance(document.Root.Metadata, pikepdf.Stream):
        streams.append(document.Root.Metadata)
    if not streams:
        return None
    stream = rng.choice(streams)
    megabytes = rng.choice((20, 51, 80))
    stream.write(_inflating(stream.read_bytes()[:4096], megabytes), filter=pikepdf.Name.FlateDecode)
    return f"stream inflating to {megabytes} MB"


def p_second(rng, pikepdf, document, material):
    """A second invoice XML, or the same file specification listed twice."""
    streams = _embedded_streams(pikepdf, document)
    names = document.Root.get("/Names")
    files = names.get("/EmbeddedFiles") if isinstance(names, pikepdf.Dictionary) else None
    if not streams or not isinstance(files, pikepdf.Dictionary) or not isinstance(files.get("/Names"), pikepdf.Array):
        return None
    spec, stream = rng.choice(streams)
    other = pikepdf.Stream(document, mutate_xml(rng, stream.read_bytes(), material)[0])
    copy_spec = pikepdf.Dictionary(
        Type=pikepdf.Name.Filespec,
        F=rng.choice(("factur-x.xml", "zugferd-invoice.xml", "FACTUR-X.XML")),
        EF=pikepdf.Dictionary(F=other),
    )
    files.Names.extend([pikepdf.String("a.xml"), document.make_indirect(copy_spec)])
    if "/AF" in document.Root and isinstance(document.Root.AF, pikepdf.Array):
        document.Root.AF.append(spec if rng.random() < 0.5 else document.make_indirect(copy_spec))
    return "second embedded invoice XML"


def p_xml(rng, pikepdf, document, material):
    """The embedded invoice XML, mutated as an XML input is."""
    streams = _embedded_streams(pikepdf, document)
    if not streams:
        return None
    _spec, stream = rng.choice(streams)
    xml, done = mutate_xml(rng, stream.read_bytes(), material)
    stream.write(xml)
    return "embedded XML: " + "; ".join(done)


def p_xmp(rng, pikepdf, document, material):
    """The XMP metadata mutated as XML, or replaced by something that is none."""
    metadata = document.Root.get("/Metadata")
    if not isinstance(metadata, pikepdf.Stream):
        return None
    try:
        xmp, done = mutate_xml(rng, metadata.read_bytes().split(b"?>", 1)[1].rsplit(b"<?xpacket", 1)[0], material)
    except (etree.XMLSyntaxError, IndexError):
        xmp, done = b"<x/>", ["unreadable"]
    if rng.random() < 0.2:
        xmp = rng.choice((b"", b"<!DOCTYPE x><x/>", b"not xml", xmp[: len(xmp) // 2]))
        done = ["replaced"]
    metadata.write(xmp)
    return "XMP: " + "; ".join(done)


def p_stream(rng, pikepdf, document, material):
    """A stream that does not decode: garbage under /FlateDecode, another filter, bad parameters."""
    streams = [c[k] for c, k in _reachable(pikepdf, document) if isinstance(c[k], pikepdf.Stream)]
    if not streams:
        return None
    stream = rng.choice(streams)
    change = rng.choice(("garbage", "filter", "params"))
    if change == "garbage":
        stream.write(bytes(rng.randrange(256) for _ in range(rng.choice((0, 10, 1000)))), filter=None)
        stream.Filter = pikepdf.Name.FlateDecode
    elif change == "filter":
        stream.Filter = rng.choice((pikepdf.Name("/NoSuchFilter"), pikepdf.Name.LZWDecode, pikepdf.Name.DCTDecode))
    else:
        stream.DecodeParms = pikepdf.Dictionary(Predictor=rng.choice((2, 12, 15, 99)), Columns=-3)
    return f"stream: {change}"


def p_names(rng, pikepdf, document, material):
    """The embedded files name tree made cyclic, of wrong kids, wrong limits or odd length."""
    tree = document.Root.get("/Names")
    files = tree.get("/EmbeddedFiles") if isinstance(tree, pikepdf.Dictionary) else None
    if not isinstance(files, pikepdf.Dictionary):
        return None
    shape = rng.choice(("kids-cycle", "kids-wrong", "limits", "odd-names"))
    if shape == "kids-cycle":
        files.Kids = pikepdf.Array([files, files])
    elif shape == "kids-wrong":
        files.Kids = pikepdf.Array([3, pikepdf.Name.X, pikepdf.Array([files])])
    elif shape == "limits":
        files.Limits = pikepdf.Array(["z", "a"])
    elif isinstance(files.get("/Names"), pikepdf.Array):
        files.Names.append(pikepdf.String("factur-x.xml"))
    return f"names tree: {shape}"


def p_spec(rng, pikepdf, document, material):
    """Another name, relationship, type or MIME type for the embedded invoice XML."""
    streams = _embedded_streams(pikepdf, document)
    if not streams:
        return None
    spec, stream = rng.choice(streams)
    field = rng.choice(("/F", "/UF", "/AFRelationship", "/Subtype", "/Type"))
    value = rng.choice(
        (
            pikepdf.String("ZUGFeRD-invoice.xml"),
            pikepdf.String("xrechnung.xml"),
            pikepdf.String(""),
            pikepdf.Name("/Unspecified"),
            pikepdf.Name("/application#2Fpdf"),
            1,
        )
    )
    (stream if field == "/Subtype" else spec)[field] = value
    return f"file spec {field} = {value!r}"


def p_remove(rng, pikepdf, document, material):
    """A key anywhere below the catalog removed."""
    pairs = _reachable(pikepdf, document)
    if not pairs:
        return None
    container, key = rng.choice(pairs)
    del container[key]
    return f"remove {key}"


def p_wrong(rng, pikepdf, document, material):
    """A value anywhere below the catalog of the wrong type, or a reference making a cycle."""
    pairs = _reachable(pikepdf, document)
    if not pairs:
        return None
    container, key = rng.choice(pairs)
    container[key] = _wrong_value(rng, pikepdf, document, container)
    return f"wrong type at {key}"


PDF_OBJECT_MUTATORS = (
    (p_xml, 8),
    (p_xmp, 2),
    (p_remove, 6),
    (p_wrong, 6),
    (p_stream, 3),
    (p_names, 2),
    (p_spec, 3),
    (p_inflate, 1),
    (p_second, 1),
)


def mutate_pdf(rng, data, material):
    """``data`` (a PDF seed) mutated; returns (bytes, descriptions)."""
    pikepdf = _pikepdf()
    if pikepdf is None or rng.random() < 0.25:
        out, described = mutate_bytes(rng, data, inserts=(b"obj", b"endobj", b"stream", b"<<", b"]", b"R", b"\x00"))
        return out, [described]
    with pikepdf.open(io.BytesIO(data)) as document:
        done = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            described = _weighted(rng, PDF_OBJECT_MUTATORS)(rng, pikepdf, document, material)
            if described:
                done.append(described)
        out = io.BytesIO()
        # Written the same on every run: an identifier from the content, RC4 rather than AES
        # (whose initialisation vectors are random) when encrypted.
        options = {"deterministic_id": True}
        if rng.random() < 0.03:
            revision = rng.choice((3, 4))
            options = {
                "static_id": True,
                "encryption": pikepdf.Encryption(owner="owner", user="", R=revision, aes=False, metadata=False),
            }
            done.append(f"encrypted R{revision}")
        mode = rng.choice(
            (pikepdf.ObjectStreamMode.preserve, pikepdf.ObjectStreamMode.disable, pikepdf.ObjectStreamMode.generate)
        )
        compress = rng.random() < 0.8
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pikepdf warns of what the mutations broke, as it should
            document.save(
                out, object_stream_mode=mode, compress_streams=compress, fix_metadata_version=False, **options
            )
    out = out.getvalue()
    if rng.random() < 0.05:
        out += rng.choice(APPENDED_UPDATES)
        done.append("appended update")
    if rng.random() < 0.1:
        out, described = mutate_bytes(rng, out)
        done.append(described)
    return out, done


#: What a careless incremental update appends after %%EOF: objects and trailers that point at
#: nothing, at themselves, or at a catalog that is not one.
APPENDED_UPDATES = (
    b"\n1 0 obj\n<< /Type /Catalog /Names 1 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R /Size 2 >>\n%%EOF\n",
    b"\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Root 999 0 R /Size 1 /Prev 0 >>\nstartxref\n0\n%%EOF\n",
    b"\ntrailer\n<< /Root << /Type /Catalog /Pages 3 0 R /AF [ 1 0 R 1 0 R ] >> >>\n%%EOF\n",
    b"\nstartxref\n-1\n%%EOF",
    b"\n%%EOF\n" * 100,
)


# --- generation and running ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Material:
    """What the mutators draw on besides the input: the other seeds' trees, and bounds."""

    donors: list
    max_repeat: int = 2000  # most copies of an invoice line m_repeat_line makes


class Generator:
    """Inputs ``generate(i)`` made from ``seed_list`` and the run's ``seed``.

    ``max_repeat`` bounds the invoice lines one mutation adds (a 2,000-line invoice takes
    seconds to validate: the test suite keeps its inputs smaller than the long campaign).
    """

    def __init__(self, seed_list, seed=0, max_repeat=2000):
        self.seeds = list(seed_list)
        self.seed = seed
        self.material = Material([etree.fromstring(s.data) for s in self.seeds if not s.is_pdf], max_repeat)

    def generate(self, index):
        rng = random.Random(f"{self.seed}:{index}")
        pdfs = [s for s in self.seeds if s.is_pdf]
        xmls = [s for s in self.seeds if not s.is_pdf]
        chosen = rng.choice(pdfs if pdfs and (not xmls or rng.random() < PDF_SHARE) else xmls)
        pikepdf = _pikepdf()
        # A stream qpdf cannot decode either, a structure an earlier mutation already broke...
        failures = (ValueError, TypeError, KeyError, etree.LxmlError) + ((pikepdf.PikepdfError,) if pikepdf else ())
        try:
            if chosen.is_pdf:
                data, done = mutate_pdf(rng, chosen.data, self.material)
            else:
                data, done = mutate_xml(rng, chosen.data, self.material)
        except failures as exc:  # a mutation its own library refuses to write: the seed unchanged
            data, done = chosen.data, [f"mutation not written ({type(exc).__name__})"]
        return FuzzInput(index, chosen.name, tuple(done), data)


def _innermost_engine_frame(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        path = Path(frame.filename).resolve()
        if ENGINE_DIR in path.parents and "testing" not in path.relative_to(ENGINE_DIR).parts:
            return f"{path.relative_to(ENGINE_DIR.parent).as_posix()}:{frame.name}"
    return "outside the engine"


def signature(exc):
    """``ExceptionType at einvoice/module.py:function``: one per distinct crash."""
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"{name} at {_innermost_engine_frame(exc)}"


def _guarded(stage, crashes, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except EInvoiceError:
        return None
    except Exception as exc:  # noqa: BLE001 - a crash is what the fuzzer looks for
        crashes.append(Crash(stage, signature(exc), str(exc)[:500], "".join(traceback.format_exception(exc))[-4000:]))
        return None


def run_input(data, builds=True):
    """Load, show, check and (when it loads) convert ``data``; an :class:`Outcome`."""
    from ..show import render_text

    crashes = []
    started = time.monotonic()
    loaded = _guarded("load", crashes, api.load, data)
    if loaded is not None:
        _guarded("show", crashes, render_text, loaded.invoice)
    _guarded("check", crashes, api.check, data)
    if loaded is not None and builds:
        targets = [("cii", Profile.EN16931), ("ubl", Profile.EN16931), ("facturx", Profile.EN16931)]
        if loaded.profile in CII_PROFILES and loaded.profile != Profile.EN16931:
            targets += [("cii", loaded.profile), ("facturx", loaded.profile)]
        if loaded.profile in UBL_PROFILES and loaded.profile != Profile.EN16931:
            targets.append(("ubl", loaded.profile))
        for target, profile in targets:
            _guarded(f"build {target} {profile}", crashes, api.build, loaded.invoice, target, profile)
        if loaded.from_pdf:
            # The PDF itself as the base of a new Factur-X (``convert --to facturx --pdf``):
            # embedding walks the whole base, not only its attachments.
            _guarded("build facturx on this PDF", crashes, api.build, loaded.invoice, "facturx", base_pdf=data)
    return Outcome(time.monotonic() - started, crashes, loaded is not None)


def reduce_xml(data, still_fails):
    """A smaller XML document on which ``still_fails(bytes)`` still holds: a delta-debugging
    loop that drops elements (whole subtrees first), then attributes, then empties texts, one at
    a time, keeping each change after which the failure remains, until none can go."""
    root = etree.fromstring(data)

    def holds():
        return still_fails(etree.tostring(root))

    changed = True
    while changed:
        changed = False
        for node in _elements(root):
            parent = node.getparent()
            if parent is None or node.getroottree().getroot() is not root:
                continue  # the root itself, or a node already dropped with its parent
            index = parent.index(node)
            parent.remove(node)
            if holds():
                changed = True
            else:
                parent.insert(index, node)
        for node in _elements(root):
            for name, value in list(node.attrib.items()):
                del node.attrib[name]
                if holds():
                    changed = True
                else:
                    node.set(name, value)
            if node.text and len(node) == 0:
                text = node.text
                node.text = None
                if holds():
                    changed = True
                else:
                    node.text = text
    return etree.tostring(root)


def quiet_libraries():
    """pypdf and pikepdf log every repair of a broken PDF: fuzzing makes thousands."""
    import logging

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
