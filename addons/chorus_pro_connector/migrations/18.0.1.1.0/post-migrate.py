"""Deposits name their invoices by lines, one live line per invoice: the former relation becomes lines.

An invoice is live in the deposit its state points at while Chorus Pro has or may have it
(being deposited, deposited, integrated). A deposit made before keeps its creation as the
time it left: one still "sending" is then looked up in Chorus Pro before anything leaves.
"""


def migrate(cr, version):
    cr.execute("SELECT to_regclass('chorus_pro_submission_move_rel')")
    if not cr.fetchone()[0]:
        return
    cr.execute(
        """
        INSERT INTO chorus_pro_submission_line (submission_id, move_id, live, create_uid, create_date,
                                                write_uid, write_date)
        SELECT rel.submission_id, rel.move_id,
               COALESCE(move.chorus_submission_id = rel.submission_id
                        AND move.chorus_state IN ('sending', 'deposited', 'integrated'), FALSE),
               submission.create_uid, submission.create_date, submission.write_uid, submission.write_date
          FROM chorus_pro_submission_move_rel rel
          JOIN chorus_pro_submission submission ON submission.id = rel.submission_id
          JOIN account_move move ON move.id = rel.move_id
         ORDER BY rel.submission_id DESC, rel.move_id
        ON CONFLICT (move_id) WHERE live DO NOTHING
        """
    )
    cr.execute("UPDATE chorus_pro_submission SET sent_on = create_date WHERE sent_on IS NULL AND state != 'error'")
    cr.execute("DROP TABLE chorus_pro_submission_move_rel")
