#!/usr/bin/env bash
# Fails if a pure-C layer (common, proto, broker, net) reaches into Postgres.
set -u
cd "$(dirname "$0")/.."
pattern='#[[:space:]]*include[[:space:]]*[<"](postgres|postgres_ext|fmgr|miscadmin|c)\.h[">]|#[[:space:]]*include[[:space:]]*[<"](access|catalog|executor|nodes|utils|storage|postmaster|commands|lib|port|tcop|libpq)/|\b(elog|ereport|palloc|pfree|repalloc)[[:space:]]*\(|\bPG_(TRY|CATCH)\b'
dirs=()
for d in src/common src/proto src/broker src/net; do
	[ -d "$d" ] && dirs+=("$d")
done
hits=$(grep -rnE "$pattern" "${dirs[@]}" --include='*.c' --include='*.h' || true)
if [ -n "$hits" ]; then
	echo "purity: pure-C layers must not use Postgres headers or APIs:"
	echo "$hits"
	exit 1
fi
echo "purity: ok (${dirs[*]} use no Postgres header)"
