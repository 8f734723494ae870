"""Follows a Hindsight model's lineage with MLflow's own client, knowing none of Hindsight's tags.

champion (registry alias) -> its training run -> the pipeline run it nests under
(`mlflow.parentRunId`) -> the pipeline's dataset (downloaded with `mlflow.data.get_source`,
checked against its manifest) -> every run and model version of that pipeline.

    .venv/bin/python examples/python/mlflow_lineage.py --tracking-uri http://localhost:5000 \
        --model work_order_overrun --download-to /tmp/lineage

Prints one JSON object describing what it found; exits non-zero when a link is missing.
"""

import argparse
import hashlib
import json
import os
import sys

import mlflow
import pandas
from mlflow import MlflowClient


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracking-uri", required=True)
    parser.add_argument("--model", required=True, help="a registered model name")
    parser.add_argument("--download-to", required=True, help="a folder for the dataset")
    args = parser.parse_args()

    mlflow.set_tracking_uri(args.tracking_uri)
    client = MlflowClient()

    # The registry says which version is the champion, and which run made it.
    champion = client.get_model_version_by_alias(args.model, "champion")
    training = client.get_run(champion.run_id)
    parent_id = training.data.tags.get("mlflow.parentRunId")
    if parent_id is None:
        sys.exit(f"run {training.info.run_id} of {args.model} v{champion.version} has no parent")

    # The pipeline run: its children are the dataset, training and evaluation runs.
    pipeline = client.get_run(parent_id)
    children = client.search_runs(
        [pipeline.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent_id}'",
        order_by=["attributes.start_time ASC"],
    )
    run_ids = [run.info.run_id for run in children]
    quoted = ", ".join(f"'{run_id}'" for run_id in run_ids)
    versions = client.search_model_versions(f"name = '{args.model}' and run_id IN ({quoted})")

    # The dataset the pipeline used, downloaded from its MLflow source and checked.
    [dataset_input] = pipeline.inputs.dataset_inputs
    dataset = dataset_input.dataset
    profile = json.loads(dataset.profile)
    os.makedirs(args.download_to, exist_ok=True)
    parquet = mlflow.data.get_source(dataset_input).load(dst_path=args.download_to)
    manifest_path = mlflow.artifacts.download_artifacts(
        artifact_uri=profile["manifest"], dst_path=args.download_to
    )
    with open(manifest_path, encoding="utf-8") as file:
        manifest = json.load(file)
    frame = pandas.read_parquet(parquet)
    if sha256_of(parquet) != manifest["file"]["sha256"] or len(frame) != profile["num_rows"]:
        sys.exit(f"{parquet} is not the dataset its manifest describes")

    print(
        json.dumps(
            {
                "pipeline": {
                    "run_id": pipeline.info.run_id,
                    "run_name": pipeline.info.run_name,
                    "status": pipeline.info.status,
                    "description": pipeline.data.tags.get("mlflow.note.content", ""),
                },
                "children": [
                    {"run_id": run.info.run_id, "run_name": run.info.run_name}
                    for run in children
                ],
                "dataset": {
                    "name": dataset.name,
                    "digest": profile["digest"],
                    "source_type": dataset.source_type,
                    "rows": len(frame),
                    "split": frame["split"].value_counts().to_dict(),
                    "parquet": parquet,
                },
                "versions": sorted(int(version.version) for version in versions),
                "champion": int(champion.version),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
