from . import chorus_followup_wizard
