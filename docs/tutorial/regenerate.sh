#!/bin/sh
# Re-runs every command of the tutorial in full, as the chapters show it,
# and rewrites the output blocks of the chapters (docs/tutorial/en and ko)
# and the pictures in docs/tutorial/img. Run from anywhere:
#
#	sh docs/tutorial/regenerate.sh
#
# The commands run in a temporary folder that holds a copy of
# docs/tutorial/data, so your runs/ is left alone; nothing is rewritten if
# one fails. It takes about a minute on two cores; the graphs need
# Graphviz's dot (Debian/Ubuntu: apt install graphviz).
# The docs test (go test ./internal/tutorial) runs the same commands in
# quick mode and checks that their output keeps the structure shown here.
set -eu
cd "$(dirname "$0")/../.."
exec go run ./internal/tutorial/cmd/regen "$@"
