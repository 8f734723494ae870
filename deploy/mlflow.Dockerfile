# MLflow tracking server and model registry for docker-compose.yml: runs and models in
# PostgreSQL, artifacts on a volume, served through the server (--serve-artifacts).
# MLFLOW_VERSION is the one requirements.txt pins for the embedded server (stack/mlflow.ts).
FROM python:3.11.13-slim-bookworm

ARG MLFLOW_VERSION=3.17.2
ARG PSYCOPG2_VERSION=2.9.13

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN pip install "mlflow==${MLFLOW_VERSION}" "psycopg2-binary==${PSYCOPG2_VERSION}"

# Owned by the server's user, so a fresh named volume mounted here starts writable.
RUN useradd --system --create-home --home-dir /home/mlflow --uid 10001 mlflow \
    && mkdir /mlartifacts \
    && chown mlflow:mlflow /mlartifacts

USER mlflow
WORKDIR /home/mlflow
EXPOSE 5000
ENTRYPOINT ["mlflow"]
CMD ["server", "--host", "0.0.0.0", "--port", "5000"]
