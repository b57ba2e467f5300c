"""Factur-X PDF/A-3: embed the CII XML into a PDF, and extract it from any Factur-X / ZUGFeRD PDF.

What a Factur-X PDF needs (Factur-X 1.08 §6, PDF/A-3 = ISO 19005-3), and
what :func:`embed_xml` writes:

- the XML as the embedded file ``factur-x.xml`` (``/Subtype /text#2Fxml``,
  ``/Params`` with ``/ModDate``, ``/CreationDate``, ``/Size``, ``/CheckSum``),
  its file specification with ``/F``, ``/UF``, ``/Desc`` and
  ``/AFRelationship``, listed in the ``/Names /EmbeddedFiles`` tree *and* in
  the catalog's ``/AF`` array;
- XMP metadata with ``pdfaid:part 3`` / ``conformance B``, the PDF/A
  extension schema that declares the ``fx`` properties, and
  ``fx:ConformanceLevel`` matching BT-24; Info dictionary and XMP agree;
- an ``/OutputIntents`` entry ``/GTS_PDFA1`` with an sRGB ICC profile;
- a trailer ``/ID``; no encryption, no JavaScript, every font embedded
  (a base PDF that breaks one of these is refused with a clear error,
  because the result could not be PDF/A).

pypdf writes the objects; the ICC profile comes from Pillow, so nothing
is read from the machine.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io

from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
    create_string_object,
)

from . import __version__
from .errors import EInvoiceError, ModelError, ParseError
from .profiles import FACTURX_CONFORMANCE_LEVEL, Profile

MAX_PDF_BYTES = 50 * 1024 * 1024
FACTURX_FILENAME = "factur-x.xml"
#: Names of the invoice XML in Factur-X, ZUGFeRD 1/2 and XRechnung PDFs.
INVOICE_XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")  # compared lower-case
FX_NAMESPACE = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"

#: Default AFRelationship per profile (Factur-X §6.2.2, French profile rules).
DEFAULT_RELATIONSHIP = {
    Profile.MINIMUM: "Data",
    Profile.BASIC_WL: "Data",
    Profile.BASIC: "Alternative",
    Profile.EN16931: "Alternative",
    Profile.EXTENDED: "Alternative",
    Profile.EXTENDED_CTC_FR: "Alternative",
}
RELATIONSHIPS = ("Data", "Alternative", "Source")


def is_pdf(data):
    return bytes(data[:1024]).lstrip().startswith(b"%PDF-")


#: What pypdf and a malformed object graph raise while a PDF is read (pypdf parses lazily, so
#: any access may fail): a wrong type where a dictionary is expected, a dangling reference,
#: a stream that does not decode or names a filter pypdf lacks (NotImplementedError), a
#: decompression limit, a graph too deep.
_MALFORMED = (
    PyPdfError,
    DependencyError,
    NotImplementedError,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    RecursionError,
)
#: A name tree of more nodes than this is not an invoice's attachment list.
MAX_NAME_TREE_NODES = 1000
#: An embedded invoice XML over this size is refused (the XML limit of the engine).
MAX_EMBEDDED_BYTES = 50 * 1024 * 1024


@contextlib.contextmanager
def _malformed_is_parse_error(source):
    try:
        yield
    except EInvoiceError:
        raise
    except _MALFORMED as exc:
        raise ParseError(f"{source}: malformed PDF ({type(exc).__name__}: {str(exc)[:200]})") from exc


def _read(pdf, source="PDF"):
    if len(pdf) > MAX_PDF_BYTES:
        raise ParseError(f"{source}: {len(pdf)} bytes is over the {MAX_PDF_BYTES} bytes limit for a PDF")
    if not is_pdf(pdf):
        raise ParseError(f"{source}: this is not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        if reader.is_encrypted:
            raise ParseError(f"{source}: the PDF is encrypted; an e-invoice PDF must not be (PDF/A forbids it)")
        if not isinstance(reader.trailer["/Root"].get_object(), DictionaryObject):
            raise ParseError(f"{source}: the PDF has no document catalog")
        _ = len(reader.pages)
    except ParseError:
        raise
    except _MALFORMED as exc:
        # Without a crypto provider pypdf cannot even open an AES-encrypted file.
        if b"/Encrypt" in pdf:
            raise ParseError(
                f"{source}: the PDF is encrypted; an e-invoice PDF must not be (PDF/A forbids it)"
            ) from exc
        raise ParseError(f"{source}: unreadable PDF ({type(exc).__name__}: {str(exc)[:200]})") from exc
    return reader


# --- extraction -----------------------------------------------------------------


def _resolve(obj, kind):
    """``obj`` dereferenced when it is a ``kind`` (DictionaryObject, ArrayObject...), else None."""
    if obj is None:
        return None
    obj = obj.get_object()
    return obj if isinstance(obj, kind) else None


def _spec_name(spec):
    return str(spec.get("/UF") or spec.get("/F") or "")


def _filespecs(reader):
    """Yield (name, filespec dict) of every embedded file: Names tree, /AF, page annotations."""
    root = reader.trailer["/Root"].get_object()
    names = _resolve(root.get("/Names"), DictionaryObject)
    if names is not None:
        tree = _resolve(names.get("/EmbeddedFiles"), DictionaryObject)
        if tree is not None:
            yield from _name_tree(tree)
    for spec in _resolve(root.get("/AF"), ArrayObject) or ():
        spec = _resolve(spec, DictionaryObject)
        if spec is not None:
            yield _spec_name(spec), spec
    for page in reader.pages:
        for annot in _resolve(page.get("/Annots"), ArrayObject) or ():
            annot = _resolve(annot, DictionaryObject)
            if annot is not None and annot.get("/Subtype") == "/FileAttachment":
                spec = _resolve(annot.get("/FS"), DictionaryObject)
                if spec is not None:
                    yield _spec_name(spec), spec


def _name_tree(root):
    """The (name, filespec) leaves of a name tree, each node visited once (a tree may be a
    cyclic graph in a hostile file: ``/Kids [self self]``) and at most MAX_NAME_TREE_NODES."""
    pending, visited = [root], set()
    while pending:
        node = pending.pop(0)
        reference = getattr(node, "indirect_reference", None)
        key = (reference.idnum, reference.generation) if reference is not None else id(node)
        if key in visited:
            continue
        visited.add(key)
        if len(visited) > MAX_NAME_TREE_NODES:
            raise ParseError(f"PDF: the embedded files tree has over {MAX_NAME_TREE_NODES} nodes")
        entries = _resolve(node.get("/Names"), ArrayObject) or ArrayObject()
        for i in range(0, len(entries) - 1, 2):
            spec = _resolve(entries[i + 1], DictionaryObject)
            if spec is not None:
                yield str(entries[i]), spec
        for kid in _resolve(node.get("/Kids"), ArrayObject) or ():
            kid = _resolve(kid, DictionaryObject)
            if kid is not None:
                pending.append(kid)


def _file_bytes(spec):
    ef = _resolve(spec.get("/EF"), DictionaryObject)
    if ef is None:
        return None
    stream = _resolve(ef.get("/UF") or ef.get("/F"), StreamObject)
    if stream is None:
        return None
    try:
        data = stream.get_data()
    except _MALFORMED as exc:  # a filter pypdf lacks, data that does not inflate, a limit reached
        raise ParseError(
            f"PDF: the embedded file {_spec_name(spec)!r} cannot be decoded ({type(exc).__name__}: {str(exc)[:200]})"
        ) from exc
    if len(data) > MAX_EMBEDDED_BYTES:
        raise ParseError(f"PDF: the embedded file is over the {MAX_EMBEDDED_BYTES} bytes limit")
    return data


def extract_xml(pdf):
    """The invoice XML embedded in a Factur-X / ZUGFeRD / XRechnung PDF: ``(filename, bytes)``."""
    reader = _read(pdf)
    seen = []
    with _malformed_is_parse_error("PDF"):
        for name, spec in _filespecs(reader):
            seen.append(name)
            if name.lower() in INVOICE_XML_NAMES:
                data = _file_bytes(spec)
                if data:
                    return name, data
    if seen:
        listed = ", ".join(sorted(set(filter(None, seen))))
        raise ParseError(f"PDF: no invoice XML embedded (expected factur-x.xml); the PDF holds: {listed}")
    raise ParseError("PDF: no invoice XML embedded (expected factur-x.xml); the PDF has no attachment at all")


def is_signed(pdf):
    """Whether ``pdf`` carries a signature: a signature field (``/FT /Sig``) with a value. Such
    a file cannot be rewritten: embedding an XML again would void the signature."""
    return _has_signature(_read(pdf), "PDF")


def _has_signature(reader, source):
    with _malformed_is_parse_error(source):
        root = reader.trailer["/Root"].get_object()
        form = _resolve(root.get("/AcroForm"), DictionaryObject)
        pending = list(_resolve(form.get("/Fields"), ArrayObject) or ()) if form is not None else []
        visited = set()
        while pending:
            field = _resolve(pending.pop(), DictionaryObject)
            if field is None:
                continue
            reference = getattr(field, "indirect_reference", None)
            key = (reference.idnum, reference.generation) if reference is not None else id(field)
            if key in visited:
                continue
            visited.add(key)
            if len(visited) > MAX_NAME_TREE_NODES:
                raise ParseError(f"{source}: the form has over {MAX_NAME_TREE_NODES} fields")
            if field.get("/FT") == "/Sig" and field.get("/V") is not None:
                return True
            pending.extend(_resolve(field.get("/Kids"), ArrayObject) or ())
    return False


# --- checks on the base PDF -----------------------------------------------------------


def _key(obj):
    reference = getattr(obj, "indirect_reference", None)
    return (reference.idnum, reference.generation) if reference is not None else id(obj)


def _walk_fonts(resources, found, seen):
    resources = _resolve(resources, DictionaryObject)
    if resources is None or _key(resources) in seen:
        return
    seen.add(_key(resources))
    fonts = _resolve(resources.get("/Font"), DictionaryObject)
    if fonts is not None:
        for key, font in fonts.items():
            font = _resolve(font, DictionaryObject)
            if font is None or _key(font) in seen:
                continue
            seen.add(_key(font))
            found.append((str(font.get("/BaseFont", key)), font))
            if font.get("/Subtype") == "/Type3":
                _walk_fonts(font.get("/Resources"), found, seen)
    for xobject in (_resolve(resources.get("/XObject"), DictionaryObject) or {}).values():
        xobject = _resolve(xobject, StreamObject)
        if xobject is not None and xobject.get("/Subtype") == "/Form":
            _walk_fonts(xobject.get("/Resources"), found, seen)


def _appearance_streams(annotation):
    """The appearance streams of an annotation (/AP /N, /R, /D: a stream or a dict of states)."""
    appearances = _resolve(annotation.get("/AP"), DictionaryObject)
    for entry in (appearances or {}).values():
        entry = entry.get_object()
        if isinstance(entry, StreamObject):
            yield entry
        elif isinstance(entry, DictionaryObject):
            for state in entry.values():
                state = _resolve(state, StreamObject)
                if state is not None:
                    yield state


def _resource_dicts(reader):
    """Every resource dictionary a viewer may draw with: pages, annotation appearances (form
    fields included) and the interactive form's default resources."""
    for page in reader.pages:
        yield page.get("/Resources")
        for annotation in _resolve(page.get("/Annots"), ArrayObject) or ():
            annotation = _resolve(annotation, DictionaryObject)
            if annotation is not None:
                for stream in _appearance_streams(annotation):
                    yield stream.get("/Resources")
    form = _resolve(reader.trailer["/Root"].get_object().get("/AcroForm"), DictionaryObject)
    if form is not None:
        yield form.get("/DR")


def _is_embedded(font):
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        if not descendants:
            return False
        font = descendants.get_object()[0].get_object()
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def unembedded_fonts(reader):
    """Names of the fonts not embedded, wherever they are used (pages, forms, annotations)."""
    found, seen = [], set()
    for resources in _resource_dicts(reader):
        _walk_fonts(resources, found, seen)
    return sorted({name.lstrip("/") for name, font in found if not _is_embedded(font)})


def _pdfa_intent(root):
    """The catalog's PDF/A output intent (/S /GTS_PDFA1 with a destination profile), or None."""
    for intent in _resolve(root.get("/OutputIntents"), ArrayObject) or ():
        intent = _resolve(intent, DictionaryObject)
        if (
            intent is not None
            and intent.get("/S") == "/GTS_PDFA1"
            and _resolve(intent.get("/DestOutputProfile"), StreamObject) is not None
        ):
            return intent
    return None


def _intent_components(intent):
    profile = _resolve(intent.get("/DestOutputProfile"), StreamObject) if intent is not None else None
    components = profile.get("/N", 0) if profile is not None else 0
    return int(components) if isinstance(components, (int, NumberObject)) else 0


#: Content operators that paint in DeviceCMYK (ISO 32000 §8.6.4.4).
_CMYK_OPERATORS = (b"k", b"K")


def _uses_device_cmyk(reader):
    """Whether a page paints in DeviceCMYK (operators, colour spaces, images), which PDF/A
    allows only under a CMYK output intent (ISO 19005-3 §6.2.4.3)."""
    from pypdf.generic import ContentStream

    seen = set()

    def names_cmyk(value):
        value = value.get_object() if value is not None else None
        if value == "/DeviceCMYK":
            return True
        return isinstance(value, ArrayObject) and any(item.get_object() == "/DeviceCMYK" for item in value)

    def operators_cmyk(contents):
        return any(operator in _CMYK_OPERATORS for _operands, operator in ContentStream(contents, reader).operations)

    def resources_cmyk(resources):
        resources = _resolve(resources, DictionaryObject)
        if resources is None or _key(resources) in seen:
            return False
        seen.add(_key(resources))
        spaces = _resolve(resources.get("/ColorSpace"), DictionaryObject) or {}
        if any(names_cmyk(space) for space in spaces.values()):
            return True
        for xobject in (_resolve(resources.get("/XObject"), DictionaryObject) or {}).values():
            xobject = _resolve(xobject, StreamObject)
            if xobject is None:
                continue
            if xobject.get("/Subtype") == "/Image" and names_cmyk(xobject.get("/ColorSpace")):
                return True
            if xobject.get("/Subtype") == "/Form" and (
                resources_cmyk(xobject.get("/Resources")) or operators_cmyk(xobject)
            ):
                return True
        return False

    for page in reader.pages:
        if resources_cmyk(page.get("/Resources")):
            return True
        contents = page.get_contents()
        if contents is not None and operators_cmyk(contents):
            return True
    return False


#: Annotation flags (ISO 32000 §12.5.3): PDF/A wants Print set, and Invisible, Hidden,
#: NoView and ToggleNoView clear (ISO 19005-3 §6.3.2).
_PRINT, _FORBIDDEN_FLAGS = 4, 1 | 2 | 32 | 256
#: Actions PDF/A forbids (ISO 19005-3 §6.6.1).
_FORBIDDEN_ACTIONS = {
    "/Launch",
    "/Sound",
    "/Movie",
    "/ResetForm",
    "/ImportData",
    "/JavaScript",
    "/Hide",
    "/SetOCGState",
    "/Rendition",
    "/Trans",
    "/GoTo3DView",
}


def _conform_annotations(writer):
    """Set the flags PDF/A wants on every annotation; refuse what cannot be made conformant."""
    for number, page in enumerate(writer.pages, 1):
        for annotation in _resolve(page.get("/Annots"), ArrayObject) or ():
            annotation = _resolve(annotation, DictionaryObject)
            if annotation is None:
                continue
            subtype = annotation.get("/Subtype")
            action = _resolve(annotation.get("/A"), DictionaryObject)
            if action is not None and action.get("/S") in _FORBIDDEN_ACTIONS:
                raise ParseError(
                    f"base PDF: page {number} has a {str(action.get('/S')).lstrip('/')} action, which PDF/A forbids"
                )
            if subtype not in ("/Popup", "/Link") and _resolve(annotation.get("/AP"), DictionaryObject) is None:
                raise ParseError(
                    f"base PDF: a {str(subtype).lstrip('/')} annotation of page {number} has no appearance, "
                    "which PDF/A requires"
                )
            if subtype != "/Popup":
                flags = annotation.get("/F", 0)
                flags = int(flags) if isinstance(flags, (int, NumberObject)) else 0
                annotation[NameObject("/F")] = NumberObject((flags | _PRINT) & ~_FORBIDDEN_FLAGS)


def _has_javascript(reader):
    root = reader.trailer["/Root"]
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        return True
    action = root.get("/OpenAction")
    if (
        action is not None
        and isinstance(action.get_object(), DictionaryObject)
        and action.get_object().get("/S") == "/JavaScript"
    ):
        return True
    for page in reader.pages:
        if "/AA" in page:
            return True
        for annot in page.get("/Annots", ArrayObject()) or ():
            annot = annot.get_object()
            action = annot.get("/A")
            if action is not None and action.get_object().get("/S") == "/JavaScript":
                return True
    return "/AA" in root


# --- embedding ------------------------------------------------------------------------


def _pdf_date(moment):
    text = moment.strftime("D:%Y%m%d%H%M%S")
    offset = moment.strftime("%z") or "+0000"
    return f"{text}{offset[:3]}'{offset[3:]}'"


def _xmp(profile, metadata, moment):
    """The XMP packet: PDF/A-3B identification, Dublin Core, and the Factur-X extension schema."""
    ns = {
        "x": "adobe:ns:meta/",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "dc": "http://purl.org/dc/elements/1.1/",
        "xmp": "http://ns.adobe.com/xap/1.0/",
        "pdf": "http://ns.adobe.com/pdf/1.3/",
        "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
        "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
        "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
        "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
        "fx": FX_NAMESPACE,
    }

    def q(prefix, name):
        return f"{{{ns[prefix]}}}{name}"

    stamp = moment.isoformat(timespec="seconds")
    xmpmeta = etree.Element(q("x", "xmpmeta"), nsmap={"x": ns["x"]})
    rdf = etree.SubElement(xmpmeta, q("rdf", "RDF"), nsmap={"rdf": ns["rdf"]})

    def description(prefixes):
        return etree.SubElement(
            rdf, q("rdf", "Description"), {q("rdf", "about"): ""}, nsmap={p: ns[p] for p in prefixes}
        )

    ident = description(["pdfaid"])
    etree.SubElement(ident, q("pdfaid", "part")).text = "3"
    etree.SubElement(ident, q("pdfaid", "conformance")).text = "B"

    dc = description(["dc"])
    title = etree.SubElement(etree.SubElement(dc, q("dc", "title")), q("rdf", "Alt"))
    etree.SubElement(
        title, q("rdf", "li"), {"{http://www.w3.org/XML/1998/namespace}lang": "x-default"}
    ).text = metadata["title"]
    creator = etree.SubElement(etree.SubElement(dc, q("dc", "creator")), q("rdf", "Seq"))
    etree.SubElement(creator, q("rdf", "li")).text = metadata["author"]
    desc = etree.SubElement(etree.SubElement(dc, q("dc", "description")), q("rdf", "Alt"))
    etree.SubElement(desc, q("rdf", "li"), {"{http://www.w3.org/XML/1998/namespace}lang": "x-default"}).text = metadata[
        "subject"
    ]

    basic = description(["xmp", "pdf"])
    etree.SubElement(basic, q("xmp", "CreatorTool")).text = metadata["creator"]
    etree.SubElement(basic, q("xmp", "CreateDate")).text = stamp
    etree.SubElement(basic, q("xmp", "ModifyDate")).text = stamp
    etree.SubElement(basic, q("xmp", "MetadataDate")).text = stamp
    etree.SubElement(basic, q("pdf", "Producer")).text = metadata["producer"]

    # The PDF/A extension schema declaring the fx properties (PDF/A requires custom properties to be declared).
    ext = description(["pdfaExtension", "pdfaSchema", "pdfaProperty"])
    schemas = etree.SubElement(etree.SubElement(ext, q("pdfaExtension", "schemas")), q("rdf", "Bag"))
    schema = etree.SubElement(schemas, q("rdf", "li"), {q("rdf", "parseType"): "Resource"})
    etree.SubElement(schema, q("pdfaSchema", "schema")).text = "Factur-X PDFA Extension Schema"
    etree.SubElement(schema, q("pdfaSchema", "namespaceURI")).text = FX_NAMESPACE
    etree.SubElement(schema, q("pdfaSchema", "prefix")).text = "fx"
    properties = etree.SubElement(etree.SubElement(schema, q("pdfaSchema", "property")), q("rdf", "Seq"))
    for name, text in (
        ("DocumentFileName", "The name of the embedded XML document"),
        ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
        ("Version", "The actual version of the standard applying to the embedded XML document"),
        ("ConformanceLevel", "The conformance level of the embedded XML document"),
    ):
        prop = etree.SubElement(properties, q("rdf", "li"), {q("rdf", "parseType"): "Resource"})
        etree.SubElement(prop, q("pdfaProperty", "name")).text = name
        etree.SubElement(prop, q("pdfaProperty", "valueType")).text = "Text"
        etree.SubElement(prop, q("pdfaProperty", "category")).text = "external"
        etree.SubElement(prop, q("pdfaProperty", "description")).text = text

    fx = description(["fx"])
    etree.SubElement(fx, q("fx", "DocumentType")).text = "INVOICE"
    etree.SubElement(fx, q("fx", "DocumentFileName")).text = FACTURX_FILENAME
    etree.SubElement(fx, q("fx", "Version")).text = "1.0"
    etree.SubElement(fx, q("fx", "ConformanceLevel")).text = FACTURX_CONFORMANCE_LEVEL[profile]

    body = etree.tostring(xmpmeta, encoding="utf-8")
    return b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' + body + b'\n<?xpacket end="w"?>'


def srgb_icc_profile():
    """An sRGB ICC profile made by Pillow's LittleCMS binding."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _metadata_from_xml(xml):
    """Title and subject from the invoice itself (BT-1, BT-27), for Info and XMP."""
    from .xmlsafe import parse_xml

    root = parse_xml(xml)
    ns = {
        "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
        "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    }
    number = root.findtext("rsm:ExchangedDocument/ram:ID", default="", namespaces=ns)
    seller = root.findtext(
        "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty/ram:Name",
        default="",
        namespaces=ns,
    )
    return {
        "title": f"{seller}: Facture {number}".strip(": "),
        "author": seller or "einvoice",
        "subject": f"Factur-X invoice {number}".strip(),
    }


def _remove_invoice_xml(writer):
    """Drop existing invoice XML attachments, so that re-embedding replaces rather than adds."""
    root = writer.root_object
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        tree = names.get("/EmbeddedFiles")
        if tree is not None:
            tree = tree.get_object()
            entries = tree.get("/Names", ArrayObject())
            kept = ArrayObject()
            for i in range(0, len(entries) - 1, 2):
                if str(entries[i]).lower() not in INVOICE_XML_NAMES:
                    kept.extend([entries[i], entries[i + 1]])
            tree[NameObject("/Names")] = kept
    af = root.get("/AF")
    if af is not None:
        kept = ArrayObject(
            ref
            for ref in af.get_object()
            if str(ref.get_object().get("/UF") or ref.get_object().get("/F") or "").lower() not in INVOICE_XML_NAMES
        )
        root[NameObject("/AF")] = kept


def embed_xml(
    pdf,
    xml,
    profile,
    *,
    relationship=None,
    filename=FACTURX_FILENAME,
    metadata=None,
    allow_unembedded_fonts=False,
    moment=None,
):
    """Return a PDF/A-3B Factur-X made of ``pdf`` (bytes) with ``xml`` (the CII) embedded."""
    profile = Profile(profile)
    if profile not in FACTURX_CONFORMANCE_LEVEL:
        raise ModelError(f"Factur-X has no {profile} profile")
    relationship = relationship or DEFAULT_RELATIONSHIP[profile]
    if relationship not in RELATIONSHIPS:
        raise ModelError(f"AFRelationship must be one of {', '.join(RELATIONSHIPS)}, not {relationship!r}")
    reader = _read(pdf, "base PDF")
    if _has_signature(reader, "base PDF"):
        raise ParseError(
            "base PDF: it is signed, and embedding an XML would void its signature; start from the unsigned PDF"
        )
    with _malformed_is_parse_error("base PDF"):
        if _has_javascript(reader):
            raise ParseError("base PDF: it contains JavaScript or automatic actions, which PDF/A forbids")
        missing = unembedded_fonts(reader)
        if missing and not allow_unembedded_fonts:
            raise ParseError(
                f"base PDF: font(s) not embedded: {', '.join(missing)}; PDF/A requires every font to be embedded "
                "(print the invoice with embedded fonts)"
            )
        moment = moment or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        info = _metadata_from_xml(xml)
        info.update(metadata or {})
        info.setdefault("creator", f"einvoice {__version__}")
        info.setdefault("producer", f"einvoice {__version__} (pypdf)")

        kept_intent = _pdfa_intent(reader.trailer["/Root"].get_object())
        if _intent_components(kept_intent) != 4 and _uses_device_cmyk(reader):
            raise ParseError(
                "base PDF: it paints in DeviceCMYK without a CMYK output intent, which PDF/A forbids "
                "(print the invoice in RGB)"
            )
        writer = PdfWriter(clone_from=reader)
        root = writer.root_object
        _remove_invoice_xml(writer)
        _conform_annotations(writer)

        # The embedded file and its file specification.
        pdf_date = _pdf_date(moment)
        stream = DecodedStreamObject()
        stream.set_data(bytes(xml))
        stream.update(
            {
                NameObject("/Type"): NameObject("/EmbeddedFile"),
                NameObject("/Subtype"): NameObject("/text/xml"),
                NameObject("/Params"): DictionaryObject(
                    {
                        NameObject("/ModDate"): create_string_object(pdf_date),
                        NameObject("/CreationDate"): create_string_object(pdf_date),
                        NameObject("/Size"): NumberObject(len(xml)),
                        NameObject("/CheckSum"): create_string_object(hashlib.md5(xml, usedforsecurity=False).digest()),
                    }
                ),
            }
        )
        stream_ref = writer._add_object(stream.flate_encode())
        filespec = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Filespec"),
                NameObject("/F"): TextStringObject(filename),
                NameObject("/UF"): TextStringObject(filename),
                NameObject("/Desc"): TextStringObject("Factur-X invoice"),
                NameObject("/AFRelationship"): NameObject(f"/{relationship}"),
                NameObject("/EF"): DictionaryObject({NameObject("/F"): stream_ref, NameObject("/UF"): stream_ref}),
            }
        )
        filespec_ref = writer._add_object(filespec)

        names = root.get("/Names")
        if names is None:
            names = DictionaryObject()
            root[NameObject("/Names")] = writer._add_object(names)
        names = names.get_object()
        tree = names.get("/EmbeddedFiles")
        if tree is None:
            tree = DictionaryObject({NameObject("/Names"): ArrayObject()})
            names[NameObject("/EmbeddedFiles")] = writer._add_object(tree)
        tree = tree.get_object()
        entries = list(tree.get("/Names", ArrayObject()))
        pairs = [(str(entries[i]), entries[i + 1]) for i in range(0, len(entries) - 1, 2)]
        pairs.append((filename, filespec_ref))
        pairs.sort(key=lambda pair: pair[0])  # name trees are sorted by key
        tree[NameObject("/Names")] = ArrayObject(x for name, ref in pairs for x in (TextStringObject(name), ref))
        af = root.get("/AF")
        af = af.get_object() if af is not None else ArrayObject()
        af.append(filespec_ref)
        root[NameObject("/AF")] = af

        # XMP metadata, uncompressed as PDF/A recommends.
        metadata_stream = StreamObject()
        metadata_stream._data = _xmp(profile, info, moment)
        metadata_stream.update(
            {NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")}
        )
        root[NameObject("/Metadata")] = writer._add_object(metadata_stream)

        # Output intent: the base's own PDF/A intent when it has one (a CMYK print profile
        # stays CMYK), else sRGB.
        if _pdfa_intent(root) is None:
            icc = DecodedStreamObject()
            icc.set_data(srgb_icc_profile())
            icc[NameObject("/N")] = NumberObject(3)
            icc_ref = writer._add_object(icc.flate_encode())
            intent = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/OutputIntent"),
                    NameObject("/S"): NameObject("/GTS_PDFA1"),
                    NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB"),
                    NameObject("/RegistryName"): TextStringObject("http://www.color.org"),
                    NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
                    NameObject("/DestOutputProfile"): icc_ref,
                }
            )
            root[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
        root[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})

        # The Info dictionary, in agreement with the XMP.
        writer.metadata = None
        writer.add_metadata(
            {
                "/Title": info["title"],
                "/Author": info["author"],
                "/Subject": info["subject"],
                "/Creator": info["creator"],
                "/Producer": info["producer"],
                "/CreationDate": pdf_date,
                "/ModDate": pdf_date,
            }
        )
        if writer._ID is None:
            writer.generate_file_identifiers()
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


# --- the container checks of a received Factur-X -------------------------------------------

_XMP_PDFAID = "http://www.aiim.org/pdfa/ns/id/"
#: The Factur-X (1.0), ZUGFeRD 2 and ZUGFeRD 1 XMP namespaces of the invoice properties.
_FX_NAMESPACES = (
    FX_NAMESPACE,
    "urn:zugferd:pdfa:CrossIndustryDocument:invoice:2p0#",
    "urn:ferd:pdfa:CrossIndustryDocument:invoice:1p0#",
)


def _xmp_values(xmp, namespaces, name):
    """The values of an XMP property, written as an element or as an rdf:Description attribute."""
    values = []
    for namespace in namespaces:
        values += [" ".join((e.text or "").split()) for e in xmp.iter(f"{{{namespace}}}{name}")]
        values += [
            " ".join(v.split()) for e in xmp.iter() for k, v in e.attrib.items() if k == f"{{{namespace}}}{name}"
        ]
    return values


def container_findings(data, profile):
    """The Factur-X / PDF/A-3 container checks of a PDF, as findings (rule ids ``FX-PDF-*``).

    The embedded XML is judged by its own rules; these say whether the PDF around it is the
    PDF/A-3 container Factur-X requires: PDF/A-3 identification, the XMP conformance level
    against BT-24, /AF and AFRelationship, the embedded file's name and MIME type, fonts
    embedded, the output intent. A plain PDF with an XML attached is not a valid Factur-X.
    """
    from .validation.engine import FATAL, WARNING, Finding
    from .xmlsafe import parse_xml

    findings = []

    def add(rule_id, message_en, message_fr, severity=FATAL, location=None):
        findings.append(
            Finding(
                rule_id=rule_id,
                severity=severity,
                location=location,
                bt="BT-24" if rule_id == "FX-PDF-LEVEL" else None,
                message_en=message_en,
                message_fr=message_fr,
                rule_set="Factur-X PDF/A-3 container",
            )
        )

    reader = _read(data)
    with _malformed_is_parse_error("PDF"):
        root = reader.trailer["/Root"].get_object()
        metadata = _resolve(root.get("/Metadata"), StreamObject)
        xmp = None
        if metadata is not None:
            try:
                xmp = parse_xml(metadata.get_data(), source="XMP metadata")
            except (ParseError, *_MALFORMED):  # not XML, or a stream that does not decode
                xmp = None
        parts = _xmp_values(xmp, (_XMP_PDFAID,), "part") if xmp is not None else []
        conformance = _xmp_values(xmp, (_XMP_PDFAID,), "conformance") if xmp is not None else []
        if parts != ["3"] or [c.upper() for c in conformance] not in (["A"], ["B"], ["U"]):
            add(
                "FX-PDF-PDFA",
                "The PDF is not identified as PDF/A-3 in its XMP metadata (pdfaid:part 3, conformance A, B or U)"
                + (f": part {', '.join(parts) or 'none'}" if xmp is not None else ": it has no readable XMP metadata"),
                "Le PDF n'est pas identifié comme PDF/A-3 dans ses métadonnées XMP (pdfaid:part 3, conformance "
                "A, B ou U)"
                + (
                    f" : part {', '.join(parts) or 'absent'}"
                    if xmp is not None
                    else " : pas de métadonnées XMP lisibles"
                ),
            )
        levels = _xmp_values(xmp, _FX_NAMESPACES, "ConformanceLevel") if xmp is not None else []
        expected = FACTURX_CONFORMANCE_LEVEL.get(profile) if profile is not None else None
        if expected and [level.upper() for level in levels] != [expected]:
            add(
                "FX-PDF-LEVEL",
                f"The XMP conformance level ({', '.join(levels) or 'none'}) does not match the profile of the XML "
                f"(BT-24: {profile}, level {expected})",
                f"Le niveau de conformité XMP ({', '.join(levels) or 'absent'}) ne correspond pas au profil du XML "
                f"(BT-24 : {profile}, niveau {expected})",
            )
        invoice_specs = [(name, spec) for name, spec in _filespecs(reader) if name.lower() in INVOICE_XML_NAMES]
        name, spec = invoice_specs[0] if invoice_specs else (None, None)
        if name is not None and name != FACTURX_FILENAME:
            add(
                "FX-PDF-NAME",
                f"The invoice XML is embedded as {name!r}; Factur-X names it {FACTURX_FILENAME!r}",
                f"Le XML de la facture est joint sous le nom {name!r} ; Factur-X le nomme {FACTURX_FILENAME!r}",
                severity=WARNING if name.lower() in INVOICE_XML_NAMES else FATAL,
            )
        file_names = _xmp_values(xmp, _FX_NAMESPACES, "DocumentFileName") if xmp is not None else []
        if name is not None and file_names != [name]:
            add(
                "FX-PDF-XMP-FILE",
                f"The XMP DocumentFileName ({', '.join(file_names) or 'none'}) does not name the embedded XML ({name})",
                f"Le DocumentFileName XMP ({', '.join(file_names) or 'absent'}) ne désigne pas le XML joint ({name})",
            )
        if spec is not None:
            af = [_resolve(item, DictionaryObject) for item in _resolve(root.get("/AF"), ArrayObject) or ()]
            if not any(item is spec or (item is not None and _key(item) == _key(spec)) for item in af):
                add(
                    "FX-PDF-AF",
                    "The invoice XML is not listed in the document's associated files (/AF), as PDF/A-3 requires",
                    "Le XML de la facture n'est pas déclaré dans les fichiers associés du document (/AF), "
                    "comme PDF/A-3 l'exige",
                )
            relationship = str(spec.get("/AFRelationship") or "").lstrip("/")
            if relationship not in RELATIONSHIPS:
                add(
                    "FX-PDF-RELATIONSHIP",
                    f"The AFRelationship of the invoice XML is {relationship or 'missing'}; "
                    f"Factur-X uses {', '.join(RELATIONSHIPS)}",
                    f"L'AFRelationship du XML de la facture est {relationship or 'absent'} ; "
                    f"Factur-X utilise {', '.join(RELATIONSHIPS)}",
                )
            ef = _resolve(spec.get("/EF"), DictionaryObject) or {}
            stream = _resolve(ef.get("/UF") or ef.get("/F"), StreamObject)
            subtype = str(stream.get("/Subtype") or "") if stream is not None else ""
            if subtype.replace("#2F", "/").lower() not in ("/text/xml", "/application/xml"):
                add(
                    "FX-PDF-MIME",
                    f"The embedded invoice XML has the MIME type {subtype.lstrip('/') or 'none'}, not text/xml",
                    f"Le XML joint a le type MIME {subtype.lstrip('/') or 'absent'}, pas text/xml",
                )
        missing = unembedded_fonts(reader)
        if missing:
            add(
                "FX-PDF-FONTS",
                f"Fonts not embedded: {', '.join(missing[:10])}; PDF/A requires every font to be embedded",
                f"Polices non incorporées : {', '.join(missing[:10])} ; PDF/A exige d'incorporer toutes les polices",
            )
        if _pdfa_intent(root) is None:
            add(
                "FX-PDF-INTENT",
                "The PDF has no PDF/A output intent (GTS_PDFA1 with an ICC profile)",
                "Le PDF n'a pas d'intention de sortie PDF/A (GTS_PDFA1 avec un profil ICC)",
            )
    return findings
