"""How work moves: Prefect flows that drive intake and publication in batches.

No rules here: the flows call services/, which call the pure domain. Importing this package
imports Prefect (1–2 s); reads and decisions never do.
"""
