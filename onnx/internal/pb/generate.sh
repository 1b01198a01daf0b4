#!/bin/sh
# Regenerates onnx.pb.go from the onnx.proto that Debian's libonnx-dev
# (ONNX 1.12, opsets up to 17) installs, with protoc from
# protobuf-compiler and protoc-gen-go from google.golang.org/protobuf:
#
#   apt-get install protobuf-compiler libonnx-dev
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
#   sh onnx/internal/pb/generate.sh
set -eu
cd "$(dirname "$0")"
cp /usr/include/onnx/onnx.proto onnx.proto
PATH="$PATH:$(go env GOPATH)/bin" protoc --proto_path=. \
	--go_out=. --go_opt=paths=source_relative \
	--go_opt=Monnx.proto=github.com/baeum-ml/baeum/onnx/internal/pb \
	onnx.proto
