"""Killing a build's process tree, the same way on this machine and on a remote or guest.

Closing an ssh client does not stop the remote build, and killing a process group is unreliable
without a terminal (under dropbear every multiplexed command shares one group). What works on
OpenSSH, dropbear, busybox and the BSDs: the build's pid is recorded when it starts, its tree is
found from `ps` output, and each pid is checked against a fresh `ps` snapshot (same parent as
when it was found) just before its signal, so a pid reused by an unrelated process is never hit.
Never `kill -- -PGID`, never `kill -1`. The tree is stopped first (SIGSTOP) so it cannot fork
while it is being walked, then killed (SIGKILL). The script prints one line, "still alive: none"
or "still alive: PID …", for the runner to report.
"""

# POSIX sh + awk; `ps -A -o` is POSIX, busybox's ps lists every process without -A.
# $1: the build's root pid; $2: the root's parent pid when it started (validates $1).
KILL_TREE_SH = r"""
root=$1
root_parent=$2
snapshot() {
    { ps -A -o pid= -o ppid= -o stat= 2>/dev/null || ps -o pid= -o ppid= -o stat=; } |
        awk 'NF >= 3 && $1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ { print $1, $2, $3 }'
}
# pid ppid of every live (not zombie) member of the tree, root first; the root counts only
# while its parent is still the one recorded.
tree() {
    snapshot | awk -v root="$root" -v rp="$root_parent" '
        { parent[$1] = $2; state[$1] = $3; kids[$2] = kids[$2] " " $1 }
        END {
            if (!(root in parent) || parent[root] != rp) exit
            queue[0] = root; n = 1
            for (i = 0; i < n; i++) {
                p = queue[i]
                if (state[p] !~ /^Z/) print p, parent[p]
                m = split(kids[p], c, " ")
                for (j = 1; j <= m; j++) queue[n++] = c[j]
            }
        }'
}
signal_tree() {
    tree >"$tmp.tree"
    snapshot >"$tmp.now"
    while read -r pid ppid; do
        # Validate against a fresh snapshot: same pid with the same parent, and not us.
        [ "$pid" = "$$" ] && continue
        if awk -v p="$pid" -v pp="$ppid" '$1 == p && $2 == pp { found = 1 } END { exit !found }' "$tmp.now"; then
            kill "-$1" "$pid" 2>/dev/null || true
            echo "$pid $ppid" >>"$tmp.seen"
        fi
    done <"$tmp.tree"
}
tmp=${TMPDIR:-/tmp}/mscc-killtree.$$
: >"$tmp.seen"
for round in 1 2 3; do
    signal_tree STOP
done
signal_tree KILL
alive=
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    snapshot >"$tmp.now"
    # Alive: a pid we signalled, not a zombie, whose parent is still its own, another member of
    # the tree, or pid 1 (it was reparented when its parent died) - a reused pid has none of these.
    alive=$(awk 'NR == FNR { seen[$1] = $2; next }
        ($1 in seen) && $3 !~ /^Z/ && (seen[$1] == $2 || ($2 in seen) || $2 == 1) { printf "%s ", $1 }' \
        "$tmp.seen" "$tmp.now")
    [ -z "$alive" ] && break
    # $alive was just validated against a fresh snapshot (same pid, same parent).
    for pid in $alive; do kill -KILL "$pid" 2>/dev/null || true; done
    sleep 1
done
rm -f "$tmp.tree" "$tmp.now" "$tmp.seen"
echo "still alive: ${alive:-none}"
"""
