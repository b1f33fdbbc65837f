"""The desk: the warm service `lockstep serve` starts. It runs Lockstep's flows in a process where
Prefect is already up, and serves an HTTP API (FastAPI) that the command line hands flow work to."""
