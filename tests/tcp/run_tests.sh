#!/bin/sh
# Runs every tcp_* cmocka program in directory $1, passing its TAP lines through, prefixed
# with the program name; exits 1 if any program failed or none was found.
dir=$1
status=0
found=0
for t in "$dir"/tcp_*; do
	[ -x "$t" ] || continue
	found=1
	name=$(basename "$t")
	echo "# $name"
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed -e "s/^\(not ok\|ok\) \([0-9]*\) - /\1 \2 - $name: /"
	[ $rc -eq 0 ] || { echo "# $name exited with status $rc"; status=1; }
done
[ $found -eq 1 ] || { echo "not ok 1 - no test programs in $dir"; exit 1; }
exit $status
