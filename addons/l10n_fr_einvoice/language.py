"""The language of the texts the e-invoicing addons write, for every e-invoicing addon.

One rule: a text that answers a user (an error, a notification) or that a user's action
writes (a chatter message, an activity, an error kept on a record) is in that user's
language, the language of the environment. When nobody acts (a scheduled job, a
platform's call, data loaded at install) the environment has no language: the texts are
then written in the language of the company they are about, the Language of the company's
contact (Settings > Companies, the company's address). Every scheduled job and loader of
the addons enters each company's work through :func:`in_company_lang`.

Values the engine gives in both languages (lifecycle labels and refusals, validation
messages, Chorus Pro statuses and advice) are picked with :func:`engine_lang`.
"""


def company_lang(company):
    """The language texts about ``company`` are written in when nobody acts: its contact's, else English."""
    lang = company.partner_id.lang
    if lang and company.env["res.lang"]._get_data(code=lang):
        return lang
    return "en_US"


def in_company_lang(records, company):
    """``records`` in the language of the user who acts, else in ``company``'s (see the module's rule)."""
    if records.env.lang:
        return records
    return records.with_context(lang=company_lang(company))


def engine_lang(env):
    """The engine's language ("fr" or "en") of a text shown in ``env``'s language."""
    return "fr" if (env.lang or "").startswith("fr") else "en"


def selection_label(records, field_name, value):
    """The label of ``value`` in the selection field ``field_name``, in the environment's language."""
    selection = records._fields[field_name]._description_selection(records.env)
    return dict(selection).get(value, value or "")
