"""A Hindsight gRPC client in Python: append an event idempotently, read its stream back and,
when a model is given, ask for a prediction.

    pip install grpcio==1.85.3 grpcio-tools==1.85.1
    python examples/python/hindsight_client.py --server localhost:50051 \
        --stream workorder-WO-900001 [--token $HINDSIGHT_API_TOKEN] \
        [--model work_order_overrun --entity WO-000123]

The stubs are generated from proto/ into a temporary folder at start (grpc_tools.protoc), so the
example always matches the server's contract.
"""

import argparse
import importlib
import json
import sys
import tempfile
import uuid
from pathlib import Path

import grpc
from grpc_tools import protoc

PROTO_ROOT = Path(__file__).resolve().parents[2] / "proto"


def load_stubs():
    out = tempfile.mkdtemp(prefix="hindsight-stubs-")
    protos = [str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / "hindsight" / "v1").glob("*.proto")]
    include = str(Path(protoc.__file__).parent / "_proto")
    code = protoc.main(
        ["protoc", f"-I{PROTO_ROOT}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", *protos]
    )
    if code != 0:
        sys.exit(f"protoc failed with {code}")
    sys.path.insert(0, out)
    names = ("eventstore_pb2", "eventstore_pb2_grpc", "models_pb2", "models_pb2_grpc")
    return {name: importlib.import_module(f"hindsight.v1.{name}") for name in names}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="localhost:50051")
    parser.add_argument("--token", default=None)
    parser.add_argument("--stream", default="workorder-WO-900001")
    parser.add_argument("--model", default=None)
    parser.add_argument("--entity", default=None)
    args = parser.parse_args()

    stubs = load_stubs()
    es, es_grpc = stubs["eventstore_pb2"], stubs["eventstore_pb2_grpc"]
    metadata = [("authorization", f"Bearer {args.token}")] if args.token else []
    with grpc.insecure_channel(args.server) as channel:
        store = es_grpc.EventStoreStub(channel)
        # A fixed event id: sending this twice (say, after a lost response) appends it once.
        event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"hindsight-example/{args.stream}"))
        event = es.NewEvent(
            event_id=event_id,
            type="WorkOrderCreated",
            data=json.dumps({"priority": "high", "estimate_hours": 6}).encode(),
            actor="python-example",
        )
        first = store.Append(
            es.AppendRequest(stream_id=args.stream, events=[event], expected_state=es.EXPECTED_STATE_ANY),
            metadata=metadata,
        )
        again = store.Append(
            es.AppendRequest(stream_id=args.stream, events=[event], expected_state=es.EXPECTED_STATE_ANY),
            metadata=metadata,
        )
        print(f"appended {args.stream} v{first.stream_version} at {list(first.global_positions)}")
        print(f"again: duplicate={again.duplicate}, same position={again.global_positions == first.global_positions}")
        read = store.ReadStream(es.ReadStreamRequest(stream_id=args.stream), metadata=metadata)
        for recorded in read.events:
            print(f"  v{recorded.stream_version} {recorded.type} {json.loads(recorded.data)}")
        try:
            later = es.NewEvent(type="WorkOrderAssigned", data=b'{"technician": "T-07"}')
            store.Append(
                es.AppendRequest(stream_id=args.stream, events=[later], expected_version=99),
                metadata=metadata,
            )
        except grpc.RpcError as error:
            print(f"expected version 99 refused: {error.code().name}: {error.details()}")

        if args.model and args.entity:
            models, models_grpc = stubs["models_pb2"], stubs["models_pb2_grpc"]
            answer = models_grpc.ModelsStub(channel).Predict(
                models.PredictRequest(model_name=args.model, entity_id=args.entity), metadata=metadata
            )
            print(f"prediction {answer.prediction_id}: {answer.score:.3f} by {answer.model_name} v{answer.model_version}")


if __name__ == "__main__":
    main()
