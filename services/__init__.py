"""What the commands do: use cases that tie the pure domain to storage, objects and flows.

The CLI and the desk call these; flows call these; nothing here imports Prefect.
"""
