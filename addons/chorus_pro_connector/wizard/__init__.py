from . import chorus_followup_wizard, chorus_sandbox_wizard
