-- Runs once, when the postgres container starts on an empty volume: one database for Lockstep,
-- one for the Prefect server, both owned by the user compose.yaml names (POSTGRES_USER).
CREATE DATABASE prefect OWNER lockstep ENCODING 'UTF8';
