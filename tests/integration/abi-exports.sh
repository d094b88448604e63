#!/bin/sh
# The plugin ABI is exported whole: every function include/lwm2m/ declares
# with LW_API is a dynamic symbol of lwm2md and lwm2mctl (a plugin may call any
# of them), and nothing else of the core is (hidden visibility).
set -eu
b=${LW_BUILDDIR:?}
s=${LW_SRCDIR:?}
want=$(cat "$s"/include/lwm2m/*.h | tr '\n' ' ' | sed 's/;/;\n/g' | grep 'LW_API' |
	sed -n 's/.*[ *]\(lw_[a-z0-9_]*\)[ ]*(.*/\1/p' | grep -v '^lw_plugin_entry$' | sort -u)
n=$(echo "$want" | wc -l)
[ "$n" -gt 40 ] || { echo "found only $n ABI functions in the headers"; exit 1; }
fail=0
for prog in lwm2md lwm2mctl; do
	have=$(nm -D --defined-only "$b/$prog" | awk '$2 == "T" {print $3}' | sort -u)
	missing=$(printf '%s\n' "$want" | comm -23 - /dev/fd/3 3<<EOT
$have
EOT
)
	extra=$(printf '%s\n' "$have" | grep '^lw_' | comm -23 - /dev/fd/3 3<<EOT
$want
EOT
)
	if [ -n "$missing" ]; then
		echo "$prog does not export: $missing"
		fail=1
	fi
	if [ -n "$extra" ]; then
		echo "$prog exports core functions outside the ABI: $extra"
		fail=1
	fi
	echo "$prog: $n ABI functions exported"
done
exit $fail
