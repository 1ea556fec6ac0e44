#!/bin/sh
# Starts lineup from wherever this archive was unpacked: the real binary is in lib/lineup/, next
# to its ONNX Runtime library and models, and finds them (and share/lineup/demo) from there.
here=$(dirname "$(readlink -f "$0")")
exec "$here/lib/lineup/lineup" "$@"
