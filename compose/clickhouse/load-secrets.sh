#!/bin/bash
# Entrypoint wrapper for the ClickHouse container: exports the InfraSight users' passwords from the
# compose secrets (/run/secrets/*) as environment variables, which users.d/infrasight-users.xml reads
# with from_env, then hands over to the image's own entrypoint. Passwords never appear in arguments.
set -euo pipefail
for role in admin sink reader; do
  file="/run/secrets/clickhouse_${role}_password"
  if [ ! -s "$file" ]; then echo "load-secrets: $file is missing or empty" >&2; exit 1; fi
  value="$(tr -d '\r\n' < "$file")"
  export "INFRASIGHT_CH_${role^^}_PASSWORD=$value"
done
exec /entrypoint.sh "$@"
