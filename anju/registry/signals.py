"""Signals of the ledger for the apps built on it.

`ledger_imported` is sent once a workbook import has committed (never for one rolled back), with
`written`: how many worker and certificate rows it created or changed. The import writes in bulk, so the
per-record `post_save` that other apps listen to is not sent for its rows; this is their cue to
catch up (job matching re-indexes the seekers it changed).
"""

from django.dispatch import Signal

ledger_imported = Signal()
