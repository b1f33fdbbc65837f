"""What happens to a dossier: stage pipelines, roles, decisions, the sign-off gate, the state machine.

Pure domain: no database, no workflow engine, no object store (a contract test holds this).
"""
