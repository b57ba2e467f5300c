/** @odoo-module */

import {registry} from "@web/core/registry";

// A vendor bill refused with a reason: the badge and the lifecycle history change.
registry.category("web_tour.tours").add("einvoice_lifecycle_refuse_bill", {
    steps: () => [
        {
            content: "The bill was taken in charge when it was posted",
            trigger: ".o_form_view div[name='einvoice_status'] .badge:contains('204')",
        },
        {
            content: "Refuse it",
            trigger: "button[name='action_einvoice_status_wizard']:contains('Refuse')",
            run: "click",
        },
        {
            content: "Choose the reason",
            trigger: ".modal div[name='reason_code'] select",
            run: "selectByLabel DOUBLON",
        },
        {
            content: "Say why",
            trigger: ".modal div[name='reason'] input",
            run: "edit Facture reçue deux fois",
        },
        {
            content: "Apply",
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            content: "The badge shows the refusal",
            trigger: ".o_form_view div[name='einvoice_status'] .badge:contains('210')",
        },
        {
            content: "Open the lifecycle",
            trigger: "a.nav-link:contains('Lifecycle')",
            run: "click",
        },
        {
            content: "The refusal is in the history, with its reason",
            trigger: "div[name='einvoice_event_ids'] .o_data_row:contains('DOUBLON')",
        },
    ],
});
