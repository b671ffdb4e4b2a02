#!/usr/bin/env bash
# Regenerates the committed Swift code for the event contract. Needs protoc (Debian protobuf-compiler)
# and protoc-gen-swift (swift-protobuf's plugin, built once: `swift build -c release --product protoc-gen-swift`
# in a swift-protobuf checkout of the version Package.swift resolves). Builds never run this.
set -euo pipefail
cd "$(dirname "$0")"
PLUGIN="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift)}"
protoc --plugin=protoc-gen-swift="$PLUGIN" --swift_opt=Visibility=Public \
  --proto_path=proto --swift_out=../Sources/InfraSightCore/Generated proto/infrasight/v1/event.proto
