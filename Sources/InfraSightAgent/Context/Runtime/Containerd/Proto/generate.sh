#!/usr/bin/env bash
# Regenerates the committed Swift code for containerd's containers service messages (../containers.pb.swift).
# Needs protoc (Debian protobuf-compiler) and protoc-gen-swift (swift-protobuf's plugin, as for
# topics/generate.sh: `swift build --product protoc-gen-swift` in this package builds it into .build/debug).
# Builds never run this.
set -euo pipefail
cd "$(dirname "$0")"
PLUGIN="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift)}"
protoc --plugin=protoc-gen-swift="$PLUGIN" --swift_opt=Visibility=Internal \
  --proto_path=. --swift_out=.. containers.proto
