"""The `lockstep` command: parses, calls one service, renders (Chinese text or --json)."""
