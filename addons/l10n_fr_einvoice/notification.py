"""The toast Odoo shows after a button, for every e-invoicing addon."""


def notification(message, kind="info", sticky=False, title=None, reload=False):
    """A ``display_notification`` client action; ``reload`` refreshes the form behind it."""
    params = {"message": message, "type": kind, "sticky": sticky}
    if title:
        params["title"] = title
    if reload:
        params["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}
