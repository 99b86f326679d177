#!/usr/bin/env bash
# Stops the local test SLURM that scripts/slurm/up.sh started in DIR (argument,
# else $TRABECULA_SLURM_DIR, else .slurm/):
#
#     scripts/slurm/down.sh [DIR]
#
# Only the daemons recorded in DIR/pids are stopped, and only while the PID still
# runs the recorded program (a PID can be reused after a daemon died), so other
# SLURM or munge daemons on the machine are never touched. Jobs still queued or
# running on this private cluster are cancelled first, so no job step outlives
# its controller. The directory itself (config, logs, state) is kept for
# inspection; delete it by hand when it is no longer wanted.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=env.sh
source "$here/env.sh" "${1:-}"
# shellcheck source=lib.sh
source "$here/lib.sh"
pids_file=$TRABECULA_SLURM_DIR/pids
say() { printf 'down.sh: %s\n' "$*" >&2; }

if [ ! -s "$pids_file" ]; then
    say "nothing recorded in $pids_file; nothing to stop"
    exit 0
fi

# Cancel this cluster's jobs while the controller can still do it; job steps run
# under slurmstepd, which is not recorded and would otherwise keep running.
ctld=$(recorded_pid slurmctld)
if [ -n "$ctld" ] && alive slurmctld "$ctld"; then
    jobs=$(timeout 10 squeue -h -o %A 2>/dev/null || true)
    if [ -n "$jobs" ]; then
        say "cancelling jobs: $(echo "$jobs" | tr '\n' ' ')"
        # shellcheck disable=SC2086 # one argument per job id
        timeout 10 scancel $jobs || true
        for _ in $(seq 1 50); do
            [ -z "$(timeout 10 squeue -h -o %A 2>/dev/null || true)" ] && break
            sleep 0.2
        done
    fi
fi

# The reverse of the start order: the node, then the controller, then munge, so
# neither SLURM daemon loses its authentication while shutting down.
for name in slurmd slurmctld munged; do
    pid=$(recorded_pid "$name")
    [ -n "$pid" ] || continue
    if ! alive "$name" "$pid"; then
        say "$name (PID $pid) is not running"
        continue
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        alive "$name" "$pid" || break
        sleep 0.1
    done
    if alive "$name" "$pid"; then
        say "$name (PID $pid) ignored SIGTERM for 10 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped $name (PID $pid)"
done
rm -f "$pids_file"
