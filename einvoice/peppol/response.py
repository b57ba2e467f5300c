"""PEPPOL BIS Invoice Response 3 (UBL 2.1 ApplicationResponse), both ways, and its mapping
onto the French lifecycle statuses, so that a buyer's answer over PEPPOL lands on the invoice
like a French platform's CDAR.

Codes (OpenPEPPOL poacc-upgrade-3, BIS Invoice Response 3.1 and its rules PEPPOL-T111-R001..R007):

- status (``cbc:ResponseCode``, ``listID="UNCL4343OpSubset"``): AB message acknowledgement,
  IP in process, UQ under query, CA conditionally accepted, RE rejected, AP accepted, PD paid
  (PD with the reason PPD: partially paid); CA, UQ and RE need a clarification code (R001);
- clarifications (``cac:Status/cbc:StatusReasonCode``): reasons of list ``OPStatusReason``
  (NON REF LEG REC QUA DEL PRI QTY ITM PAY PPD UNR FIN OTH, R007) and requested actions of list
  ``OPStatusAction`` (NOA PIN NIN CNF CNP CNA OTH, R006, the same codes as the French MDT-121);
  PPD needs a reason text and goes with PD only (R004, R005); OTH should have a text (R002);
  a reason may say which invoice term to correct and its right value (``cac:Condition``:
  ``AttributeID`` the BT, ``Description`` the value).

The lifecycle mapping (:data:`TO_LIFECYCLE`): AB 202, IP 204, UQ 207, CA 206, RE 210, AP 205,
PD 211. Reasons map onto the French MDT-113 reason codes by meaning (no official crosswalk
was found); a refusal (210) admits only the BR-FR-CDV refusal reasons, so a reason without a
refusal equivalent becomes NON_CONFORME there, and the original code and text stay in the note.
"""

from __future__ import annotations

import dataclasses
import datetime

from lxml import etree

from ..errors import ModelError, ParseError
from ..lifecycle import REQUESTED_ACTIONS
from ..lifecycle import STATUSES as LIFECYCLE_STATUSES
from ..xmlsafe import parse_xml
from .identifiers import ParticipantId

NS_AR = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NSMAP = {None: NS_AR, "cac": NS_CAC, "cbc": NS_CBC}

CUSTOMIZATION_ID = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
PROFILE_ID = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
STATUS_LIST = "UNCL4343OpSubset"
REASON_LIST = "OPStatusReason"
ACTION_LIST = "OPStatusAction"

#: Status codes, in the order a buyer must follow them (BIS Invoice Response 3.1), with their names.
STATUSES = {
    "AB": "Message acknowledgement",
    "IP": "In process",
    "UQ": "Under query",
    "CA": "Conditionally accepted",
    "RE": "Rejected",
    "AP": "Accepted",
    "PD": "Paid",
}
NEEDS_CLARIFICATION = frozenset({"CA", "UQ", "RE"})  # PEPPOL-T111-R001
REASONS = {
    "NON": "No issue",
    "REF": "References incorrect",
    "LEG": "Legal information incorrect",
    "REC": "Receiver unknown",
    "QUA": "Item quality insufficient",
    "DEL": "Delivery issues",
    "PRI": "Prices incorrect",
    "QTY": "Quantity incorrect",
    "ITM": "Items incorrect",
    "PAY": "Payment terms incorrect",
    "PPD": "Partially paid",
    "UNR": "Not recognized",
    "FIN": "Finance incorrect",
    "OTH": "Other",
}
ACTIONS = {code: labels[1] for code, labels in REQUESTED_ACTIONS.items()}  # PEPPOL-T111-R006 = MDT-121

#: Invoice Response status -> French lifecycle status, and back.
TO_LIFECYCLE = {"AB": "202", "IP": "204", "UQ": "207", "CA": "206", "RE": "210", "AP": "205", "PD": "211"}
FROM_LIFECYCLE = {code: status for status, code in TO_LIFECYCLE.items()}

# Reason -> MDT-113, by meaning.
_REASON_TO_FR = {
    "REF": "REF_ERR",
    "LEG": "NON_CONFORME",
    "REC": "DEST_ERR",
    "QUA": "QUALITE_ERR",
    "DEL": "LIVR_INCOMP",
    "PRI": "PU_ERR",
    "QTY": "QTE_ERR",
    "ITM": "ART_ERR",
    "PAY": "MODPAI_ERR",
    "UNR": "TRANSAC_INC",
    "FIN": "COORD_BANC_ERR",
    "OTH": "AUTRE",
}
# For a refusal (210), whose reasons BR-FR-CDV restricts: the nearest admitted reason.
_REFUSAL_TO_FR = {"REF": "CMD_ERR", "PRI": "CALCUL_ERR", "QTY": "CALCUL_ERR", "ITM": "CMD_ERR", "DEL": "TRANSAC_INC"}
# MDT-113 -> reason, for the answers we send.
_FR_TO_REASON = {fr: op for op, fr in _REASON_TO_FR.items()} | {
    "CMD_ERR": "REF",
    "REF_CT_ABSENT": "REF",
    "CONTRAT_TERM": "REF",
    "CALCUL_ERR": "PRI",
    "MONTANTTOTAL_ERR": "PRI",
    "TX_TVA_ERR": "LEG",
    "ADR_ERR": "LEG",
    "SIRET_ERR": "LEG",
    "EMMET_INC": "UNR",
    "CODE_ROUTAGE_ERR": "REC",
    "ROUTAGE_ERR": "REC",
}


@dataclasses.dataclass
class ResponseParty:
    """Sender (the buyer) or receiver (the seller) of the response."""

    endpoint: ParticipantId  # cbc:EndpointID with its schemeID
    name: str  # cac:PartyName/cbc:Name
    identifier: str | None = None  # cac:PartyIdentification/cbc:ID
    identifier_scheme: str | None = None


@dataclasses.dataclass
class Clarification:
    """One ``cac:Status``: a reason (OPStatusReason) or an action (OPStatusAction)."""

    code: str | None
    text: str | None = None
    kind: str = REASON_LIST
    #: (BT id of the term to correct, its right value), as cac:Condition.
    conditions: list[tuple[str, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class InvoiceResponse:
    id: str
    issue_date: datetime.date
    status: str  # UNCL 4343 subset
    invoice_id: str  # the invoice answered (BT-1)
    sender: ResponseParty
    receiver: ResponseParty
    invoice_issue_date: datetime.date | None = None
    invoice_type_code: str = "380"  # UNCL 1001 (381 for a credit note)
    clarifications: list[Clarification] = dataclasses.field(default_factory=list)
    issue_time: datetime.time | None = None
    note: str | None = None
    effective_date: datetime.date | None = None  # when the status took effect

    @property
    def reasons(self):
        return [c for c in self.clarifications if c.kind == REASON_LIST]

    @property
    def actions(self):
        return [c for c in self.clarifications if c.kind == ACTION_LIST]


def check_tree(root):
    """The PEPPOL-T111 rules and code lists on an ApplicationResponse tree, as
    ``[(rule id, severity, message)]`` (severity "fatal" or "warning", as the rules flag them).

    Written after the OpenPEPPOL rules (PEPPOL-T111-R001..R007) and gated by their unit tests;
    R005 is applied as its text says (its published test is always true).
    """
    problems = []
    ns = {"cac": NS_CAC, "cbc": NS_CBC}
    customization = root.find("cbc:CustomizationID", ns)
    if customization is not None and not (customization.text or "").strip().startswith(CUSTOMIZATION_ID):
        problems.append(
            ("PEPPOL-T111-R003", "fatal", f"the specification identifier must start with {CUSTOMIZATION_ID!r}")
        )
    for answer in root.iterfind("cac:DocumentResponse/cac:Response", ns):
        code = (answer.findtext("cbc:ResponseCode", namespaces=ns) or "").strip()
        if code and code not in STATUSES:
            problems.append(
                ("PEPPOL-T111-CL", "fatal", f"{code!r} is not an Invoice Response status ({', '.join(STATUSES)})")
            )
        if code in NEEDS_CLARIFICATION and answer.find("cac:Status/cbc:StatusReasonCode", ns) is None:
            problems.append(
                ("PEPPOL-T111-R001", "fatal", f"status {code} ({STATUSES[code]}) needs a clarification code")
            )
        for status in answer.iterfind("cac:Status", ns):
            node = status.find("cbc:StatusReasonCode", ns)
            if node is None:
                continue
            value = (node.text or "").strip()
            has_text = status.find("cbc:StatusReason", ns) is not None
            kind = node.get("listID")
            if kind == ACTION_LIST and value not in ACTIONS:
                problems.append(("PEPPOL-T111-R006", "fatal", f"{value!r} is not a code of the {ACTION_LIST} list"))
            elif kind == REASON_LIST and value not in REASONS:
                problems.append(("PEPPOL-T111-R007", "fatal", f"{value!r} is not a code of the {REASON_LIST} list"))
            elif kind not in (ACTION_LIST, REASON_LIST):
                problems.append(
                    (
                        "PEPPOL-T111-CL",
                        "fatal",
                        f"clarification {value!r}: list {kind!r} is neither {REASON_LIST} nor {ACTION_LIST}",
                    )
                )
            if value == "OTH" and not has_text:
                problems.append(("PEPPOL-T111-R002", "warning", "the clarification OTH should come with its text"))
            if value == "PPD":
                if not has_text:
                    problems.append(("PEPPOL-T111-R004", "fatal", "the reason PPD (partially paid) needs its text"))
                if code and code != "PD":
                    problems.append(
                        ("PEPPOL-T111-R005", "fatal", "the reason PPD (partially paid) goes with the status PD only")
                    )
    return problems


def _raise_fatal(problems, error):
    fatal = [(rule, text) for rule, severity, text in problems if severity == "fatal"]
    if fatal:
        raise error("Invoice Response: " + "; ".join(f"[{rule}] {text}" for rule, text in fatal))


# --- building -------------------------------------------------------------------------------


def _cbc(parent, name, text, **attrs):
    element = etree.SubElement(parent, f"{{{NS_CBC}}}{name}", **{k: v for k, v in attrs.items() if v})
    element.text = text
    return element


def _cac(parent, name):
    return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")


def _party(parent, name, party):
    node = _cac(parent, name)
    _cbc(node, "EndpointID", party.endpoint.identifier, schemeID=party.endpoint.icd)
    if party.identifier:
        _cbc(_cac(node, "PartyIdentification"), "ID", party.identifier, schemeID=party.identifier_scheme)
    _cbc(_cac(node, "PartyName"), "Name", party.name)


def build_tree(response):
    """The ApplicationResponse element; :class:`ModelError` when a PEPPOL-T111 rule is broken."""
    root = etree.Element(f"{{{NS_AR}}}ApplicationResponse", nsmap=NSMAP)
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", response.id)
    _cbc(root, "IssueDate", response.issue_date.isoformat())
    if response.issue_time is not None:
        _cbc(root, "IssueTime", response.issue_time.replace(microsecond=0).isoformat())
    if response.note:
        _cbc(root, "Note", response.note)
    _party(root, "SenderParty", response.sender)
    _party(root, "ReceiverParty", response.receiver)
    document = _cac(root, "DocumentResponse")
    answer = _cac(document, "Response")
    _cbc(answer, "ResponseCode", response.status, listID=STATUS_LIST)
    if response.effective_date is not None:
        _cbc(answer, "EffectiveDate", response.effective_date.isoformat())
    for item in response.clarifications:
        status = _cac(answer, "Status")
        if item.code:
            _cbc(status, "StatusReasonCode", item.code, listID=item.kind)
        if item.text:
            _cbc(status, "StatusReason", item.text)
        for attribute, value in item.conditions:
            condition = _cac(status, "Condition")
            _cbc(condition, "AttributeID", attribute)
            _cbc(condition, "Description", value)
    reference = _cac(document, "DocumentReference")
    _cbc(reference, "ID", response.invoice_id)
    if response.invoice_issue_date is not None:
        _cbc(reference, "IssueDate", response.invoice_issue_date.isoformat())
    _cbc(reference, "DocumentTypeCode", response.invoice_type_code, listID="UNCL1001")
    _raise_fatal(check_tree(root), ModelError)
    return root


def build_response(response):
    """The Invoice Response as UTF-8 XML bytes."""
    return etree.tostring(build_tree(response), xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- parsing --------------------------------------------------------------------------------


def _text(node, path):
    found = node.find(path, namespaces={"cac": NS_CAC, "cbc": NS_CBC})
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _date(node, path, what):
    text = _text(node, path)
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise ParseError(f"Invoice Response: {what} {text!r} is not a date (YYYY-MM-DD)") from exc


def _read_party(root, name):
    node = root.find(f"{{{NS_CAC}}}{name}")
    if node is None:
        raise ParseError(f"Invoice Response: cac:{name} is missing")
    endpoint = node.find(f"{{{NS_CBC}}}EndpointID")
    if endpoint is None or not (endpoint.text or "").strip():
        raise ParseError(f"Invoice Response: cac:{name}/cbc:EndpointID is missing")
    # A party's electronic address is read as given; an old or unknown scheme is no reason to
    # lose the buyer's answer.
    participant = ParticipantId((endpoint.get("schemeID") or "").strip(), endpoint.text.strip())
    identification = node.find(f"{{{NS_CAC}}}PartyIdentification/{{{NS_CBC}}}ID")
    return ResponseParty(
        endpoint=participant,
        name=_text(node, "cac:PartyName/cbc:Name") or "",
        identifier=identification.text.strip() if identification is not None and identification.text else None,
        identifier_scheme=identification.get("schemeID") if identification is not None else None,
    )


def parse_response(data):
    """An :class:`InvoiceResponse` from ApplicationResponse XML (bytes).

    Raises :class:`ParseError` for a document that is not an Invoice Response 3, or whose
    status or clarification codes are outside the lists (naming the element and the rule).
    """
    root = parse_xml(data, source="Invoice Response")
    if root.tag != f"{{{NS_AR}}}ApplicationResponse":
        raise ParseError(f"Invoice Response: expected a UBL ApplicationResponse, got {etree.QName(root).localname}")
    customization = _text(root, "cbc:CustomizationID") or ""
    if not customization.startswith(CUSTOMIZATION_ID):
        raise ParseError(
            f"Invoice Response: cbc:CustomizationID {customization!r} is not PEPPOL Invoice Response 3 "
            f"(PEPPOL-T111-R003: it starts with {CUSTOMIZATION_ID!r})"
        )
    _raise_fatal(check_tree(root), ParseError)
    answer = root.find(f"{{{NS_CAC}}}DocumentResponse/{{{NS_CAC}}}Response")
    reference = root.find(f"{{{NS_CAC}}}DocumentResponse/{{{NS_CAC}}}DocumentReference")
    if answer is None or reference is None:
        raise ParseError("Invoice Response: cac:DocumentResponse needs cac:Response and cac:DocumentReference")
    clarifications = []
    for status in answer.iterfind(f"{{{NS_CAC}}}Status"):
        code_node = status.find(f"{{{NS_CBC}}}StatusReasonCode")
        code = code_node.text.strip() if code_node is not None and code_node.text and code_node.text.strip() else None
        kind = code_node.get("listID") if code_node is not None and code_node.get("listID") else REASON_LIST
        conditions = [
            (_text(c, "cbc:AttributeID") or "", _text(c, "cbc:Description") or "")
            for c in status.iterfind(f"{{{NS_CAC}}}Condition")
        ]
        clarifications.append(Clarification(code, _text(status, "cbc:StatusReason"), kind, conditions))
    identifier, issue_date = _text(root, "cbc:ID"), _date(root, "cbc:IssueDate", "cbc:IssueDate")
    if identifier is None or issue_date is None:
        raise ParseError("Invoice Response: cbc:ID and cbc:IssueDate are required")
    invoice_id = _text(reference, "cbc:ID")
    if invoice_id is None:
        raise ParseError("Invoice Response: cac:DocumentReference/cbc:ID (the invoice answered) is missing")
    time_text = _text(root, "cbc:IssueTime")
    try:
        issue_time = datetime.time.fromisoformat(time_text) if time_text else None
    except ValueError as exc:
        raise ParseError(f"Invoice Response: cbc:IssueTime {time_text!r} is not a time") from exc
    response = InvoiceResponse(
        id=identifier,
        issue_date=issue_date,
        status=_text(answer, "cbc:ResponseCode") or "",
        invoice_id=invoice_id,
        sender=_read_party(root, "SenderParty"),
        receiver=_read_party(root, "ReceiverParty"),
        invoice_issue_date=_date(reference, "cbc:IssueDate", "the invoice's cbc:IssueDate"),
        invoice_type_code=_text(reference, "cbc:DocumentTypeCode") or "380",
        clarifications=clarifications,
        issue_time=issue_time,
        note=_text(root, "cbc:Note"),
        effective_date=_date(answer, "cbc:EffectiveDate", "cbc:EffectiveDate"),
    )
    return response


# --- lifecycle ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LifecycleEvent:
    """What an Invoice Response means for the invoice's French lifecycle."""

    status: str  # 202..211
    reason_code: str | None  # MDT-113
    reason: str | None  # MDT-114: the buyer's text, with the PEPPOL codes it came with
    action_code: str | None  # MDT-121
    action: str | None


def to_lifecycle(response):
    """The :class:`LifecycleEvent` an Invoice Response stands for."""
    status = TO_LIFECYCLE[response.status]
    reason_code = None
    notes = []
    for item in response.reasons:
        if item.code in (None, "NON", "PPD"):
            if item.text:
                notes.append(item.text)
            continue
        mapped = _REASON_TO_FR.get(item.code, "AUTRE")
        allowed = LIFECYCLE_STATUSES[status].reasons
        if allowed is not None and mapped not in allowed:
            mapped = _REFUSAL_TO_FR.get(item.code, "NON_CONFORME")
        reason_code = reason_code or mapped
        corrections = ", ".join(f"{term} = {value}" for term, value in item.conditions)
        text = f"[{item.code} {REASONS.get(item.code, '')}] {item.text or ''}".strip()
        notes.append(f"{text} ({corrections})" if corrections else text)
    action = next((a for a in response.actions if a.code), None)
    return LifecycleEvent(
        status=status,
        reason_code=reason_code,
        reason="; ".join(notes) or None,
        action_code=action.code if action else None,
        action=action.text if action else None,
    )


def from_lifecycle(status, reason_code=None, reason=None, action_code=None, action=None, **fields):
    """An :class:`InvoiceResponse` for a French lifecycle status (202, 204..207, 210, 211).

    ``fields`` are the :class:`InvoiceResponse` fields (id, issue_date, invoice_id, sender,
    receiver...). A French reason becomes its PEPPOL reason code (OTH when none is near), its
    code kept in the text.
    """
    if status not in FROM_LIFECYCLE:
        raise ModelError(
            f"Invoice Response: the lifecycle status {status} has no PEPPOL status "
            f"(statuses mapped: {', '.join(sorted(FROM_LIFECYCLE))})"
        )
    code = FROM_LIFECYCLE[status]
    clarifications = []
    if reason_code or reason:
        op = _FR_TO_REASON.get(reason_code, "OTH") if reason_code else "OTH"
        text = reason or None
        if reason_code and op == "OTH":
            text = f"{reason_code}: {reason}" if reason else reason_code
        clarifications.append(Clarification(op, text, REASON_LIST))
    if action_code:
        clarifications.append(Clarification(action_code, action, ACTION_LIST))
    if code in NEEDS_CLARIFICATION and not clarifications:
        raise ModelError(
            f"Invoice Response: status {status} becomes {code} ({STATUSES[code]}), which needs a reason "
            "(PEPPOL-T111-R001)"
        )
    return InvoiceResponse(status=code, clarifications=clarifications, **fields)
