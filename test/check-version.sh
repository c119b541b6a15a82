#!/usr/bin/env bash
# Fails if mqdb.control, META.json and the built install script disagree on the version.
set -u
cd "$(dirname "$0")/.."
control=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" mqdb.control)
versions=$(grep -oE '"version" *: *"[0-9][^"]*"' META.json | grep -v '"1.0.0"' | sed -E 's/.*"([^"]+)"$/\1/' | sort -u)
file=$(grep -oE '"file" *: *"[^"]*"' META.json | sed -E 's/.*"([^"]+)"$/\1/')
status=0
if [ -z "$control" ]; then
	echo "version: no default_version in mqdb.control"; status=1
fi
if [ "$versions" != "$control" ]; then
	echo "version: META.json says '$versions', mqdb.control says '$control'"; status=1
fi
if [ "$file" != "sql/mqdb--$control.sql" ]; then
	echo "version: META.json provides '$file', expected sql/mqdb--$control.sql"; status=1
fi
[ $status -eq 0 ] && echo "version: ok ($control in mqdb.control, META.json and the install script name)"
exit $status
