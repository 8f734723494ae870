#!/bin/sh
# Registers the custom search attributes Hindsight's workflows set and the server queries
# (workflows/searchAttributeKeys.ts), as the dev server's --search-attribute flags do
# (stack/temporal.ts). Run once by docker-compose.yml's temporal-setup service, in the
# temporalio/admin-tools image, when Temporal is healthy. Safe to run again: an attribute that
# is already there is left as it is.
set -eu

address="${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS (host:port of the Temporal frontend)}"
namespace="${TEMPORAL_NAMESPACE:-default}"
attributes='HindsightView HindsightStage HindsightModel HindsightKind'

# auto-setup creates the namespace in the background once the server answers: wait for it.
tries=0
until temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 90 ]; then
    echo "namespace $namespace not found on $address after 3 minutes" >&2
    exit 1
  fi
  sleep 2
done

registered() {
  temporal operator search-attribute list --address "$address" --namespace "$namespace" |
    grep -qw "$1"
}

for name in $attributes; do
  if registered "$name"; then
    echo "search attribute $name (Keyword) already registered in $namespace"
  elif output=$(temporal operator search-attribute create --address "$address" \
    --namespace "$namespace" --name "$name" --type Keyword 2>&1); then
    echo "registered search attribute $name (Keyword) in $namespace"
  elif echo "$output" | grep -qi 'already exists'; then
    echo "search attribute $name (Keyword) already registered in $namespace"
  else
    echo "$output" >&2
    exit 1
  fi
done
