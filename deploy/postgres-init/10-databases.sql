-- Temporal's and MLflow's databases beside the event store's, on the one PostgreSQL of
-- docker-compose.yml. The postgres image runs this once, when it starts on an empty data volume,
-- as POSTGRES_USER in POSTGRES_DB (`hindsight`: the event store's database and owner). Temporal
-- and MLflow each get a role of their own that owns their databases; the passwords come from the
-- container's environment (TEMPORAL_DB_PASSWORD, MLFLOW_DB_PASSWORD).
--
-- Safe to run again on a live server: after changing a password, or on a data volume made by an
-- older docker-compose.yml (which had only the event store):
--   docker compose exec postgres psql -U hindsight -d hindsight -f /docker-entrypoint-initdb.d/10-databases.sql
\set ON_ERROR_STOP on
\getenv temporal_password TEMPORAL_DB_PASSWORD
\getenv mlflow_password MLFLOW_DB_PASSWORD

\if :{?temporal_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'TEMPORAL_DB_PASSWORD is not set'; END $$;
\endif
\if :{?mlflow_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'MLFLOW_DB_PASSWORD is not set'; END $$;
\endif

-- Temporal: its persistence and its visibility store (temporalio/auto-setup: DBNAME and
-- VISIBILITY_DBNAME). CREATEDB because auto-setup runs CREATE DATABASE for both at every start
-- and ignores "already exists", which PostgreSQL reports only to a role that may create databases.
SELECT 'CREATE ROLE temporal' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'temporal')
\gexec
ALTER ROLE temporal WITH LOGIN CREATEDB PASSWORD :'temporal_password';
SELECT 'CREATE DATABASE temporal OWNER temporal'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'temporal')
\gexec
SELECT 'CREATE DATABASE temporal_visibility OWNER temporal'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'temporal_visibility')
\gexec

-- MLflow: runs, experiments and the model registry (mlflow server --backend-store-uri); it
-- creates its tables itself at start.
SELECT 'CREATE ROLE mlflow' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mlflow')
\gexec
ALTER ROLE mlflow WITH LOGIN PASSWORD :'mlflow_password';
SELECT 'CREATE DATABASE mlflow OWNER mlflow'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'mlflow')
\gexec
