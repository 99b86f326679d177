# Helpers shared by up.sh and down.sh (sourced, so no `set -euo pipefail` of its
# own: the scripts sourcing it set that themselves).
#
# The daemons a start records are listed in $TRABECULA_SLURM_DIR/pids, one
# `NAME PID` per line; a PID counts as ours only while it still runs NAME, since
# the kernel reuses the PIDs of dead processes.

# Whether PID is alive (not a zombie) and runs the program NAME.
alive() {
    local name=$1 pid=$2 stat
    # The process can exit between any two reads of /proc; treat that as dead.
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || return 1
    # A killed daemon whose parent is gone stays a zombie until init reaps it,
    # which is not immediate on every machine; a zombie serves nothing.
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# The PID recorded for NAME, or nothing.
recorded_pid() {
    [ -f "$TRABECULA_SLURM_DIR/pids" ] || return 0
    awk -v n="$1" '$1 == n {print $2}' "$TRABECULA_SLURM_DIR/pids"
}
