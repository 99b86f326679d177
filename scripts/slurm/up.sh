#!/usr/bin/env bash
# Brings up a single-node SLURM on this machine for tests and local trials:
#
#     scripts/slurm/up.sh [DIR]      # DIR, else $TRABECULA_SLURM_DIR, else .slurm/
#     source scripts/slurm/env.sh [DIR]; sbatch ...
#     scripts/slurm/down.sh [DIR]
#
# Everything the cluster writes (slurm.conf, munge key and socket, controller
# state, slurmd spool, logs, pid files) lives under DIR, so it leaves the system's
# own /etc/slurm and /run/munge alone and two directories never share state. The
# daemons it starts are recorded in DIR/pids (name and PID per line); down.sh
# stops exactly those.
#
# Idempotent: when the daemons recorded in DIR/pids are alive and the node
# answers, it reuses them. Prints one line on stdout, `started` or `reused`, so a
# caller knows whether it owns the daemons; progress goes to stderr and DIR/up.log.
#
# Needs root (the daemons run jobs as root, as on the machines HPC.md describes)
# and Debian's packages slurmctld slurmd slurm-client munge, which it installs if
# missing. The controller listens on $TRABECULA_SLURM_PORT (default 6817), slurmd
# on the next port.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=env.sh
source "$here/env.sh" "${1:-}"
# shellcheck source=lib.sh
source "$here/lib.sh"
dir=$TRABECULA_SLURM_DIR
ctld_port=${TRABECULA_SLURM_PORT:-6817}
slurmd_port=$((ctld_port + 1))
# A cold start takes about 15 s including the package install; allow for a busy machine.
ready_timeout_s=${TRABECULA_SLURM_TIMEOUT_S:-90}

mkdir -p "$dir"
log=$dir/up.log
: >"$log"
say() { printf 'up.sh: %s\n' "$*" | tee -a "$log" >&2; }
die() {
    say "error: $*"
    # The daemons' own logs usually say why; show their ends with the error.
    for f in "$dir"/log/*.log; do
        [ -f "$f" ] || continue
        printf '\n--- tail of %s\n' "$f" | tee -a "$log" >&2
        tail -n 30 "$f" | tee -a "$log" >&2
    done
    # A half-started cluster is worse than none: stop what this run started.
    if [ "$started_here" = 1 ]; then
        "$here/down.sh" "$dir" 2>&1 | tee -a "$log" >&2 || true
    fi
    exit 1
}
started_here=0

[ "$(id -u)" = 0 ] || die "must run as root (slurmd runs jobs as root in this setup)"

pids_file=$dir/pids
munge_dir=$dir/munge
socket=$munge_dir/munge.socket
# A Unix socket path longer than 107 bytes cannot be bound; fail with a reason.
[ "${#socket}" -lt 108 ] || die "$socket is too long for a socket path; choose a shorter DIR"

# --- reuse ------------------------------------------------------------------------

# Whether every daemon recorded in DIR/pids is alive.
recorded_alive() {
    [ -s "$pids_file" ] || return 1
    local name pid n=0
    while read -r name pid; do
        alive "$name" "$pid" || return 1
        n=$((n + 1))
    done <"$pids_file"
    [ "$n" = 3 ]
}

# The node's state as sinfo reports it (idle, mix, alloc, down*, ...), or nothing.
node_state() {
    timeout 10 sinfo -h -n localhost -o %t 2>/dev/null | head -n 1 || true
}

if recorded_alive; then
    case $(node_state) in
        idle | mix | alloc | comp)
            say "reusing the daemons in $pids_file"
            echo reused
            exit 0
            ;;
    esac
    say "recorded daemons are alive but the node does not answer; restarting them"
fi
# Whatever is left of a previous start is stopped, so what runs is all recorded.
if [ -s "$pids_file" ]; then
    "$here/down.sh" "$dir" 2>&1 | tee -a "$log" >&2
fi

# --- packages ---------------------------------------------------------------------

need=()
for pkg in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
        need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
    say "installing ${need[*]}"
    # Without systemd the packages cannot start their services; the daemons are
    # started by hand below, with this directory's configuration.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >>"$log" 2>&1 || die "apt-get update failed (see $log)"
    apt-get install -y -qq --no-install-recommends "${need[@]}" >>"$log" 2>&1 ||
        die "apt-get install ${need[*]} failed (see $log)"
fi

# --- ports ------------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$ctld_port" "$slurmd_port"; do
    port_open "$port" &&
        die "port $port is in use (another SLURM?); stop it or set TRABECULA_SLURM_PORT"
done

# --- layout and configuration -----------------------------------------------------

mkdir -p "$dir"/{state,spool,log,run}
# munged refuses key and socket directories that others can write or that it does
# not own, and clients (slurmd, sbatch) must reach the socket, so its directory
# belongs to the munge user with mode 0755; the key itself is 0600.
mkdir -p "$munge_dir"
chown munge:munge "$munge_dir"
chmod 0755 "$munge_dir"
if [ ! -s "$munge_dir/munge.key" ]; then
    runuser -u munge -- mungekey --create --keyfile="$munge_dir/munge.key" >>"$log" 2>&1 ||
        die "mungekey failed"
fi

cpus=$(nproc)
mem_total_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
# Declaring more memory than slurmd finds drains the node; keep 1 GiB in hand.
real_memory_mb=$((mem_total_kb / 1024 - 1024))

cat >"$SLURM_CONF" <<EOF
# Written by scripts/slurm/up.sh; rewritten at every start.
ClusterName=trabecula
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
# Without these, array tasks start in scheduling cycles about 3 s apart.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
# Finished jobs stay visible to scontrol for 10 minutes.
MinJobAge=600
MailProg=/bin/true
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_memory_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

# --- daemons ----------------------------------------------------------------------

: >"$pids_file"
started_here=1
# Appends NAME and the PID found in PIDFILE to DIR/pids once the daemon wrote it.
record() {
    local name=$1 pidfile=$2 pid="" i
    for i in $(seq 1 100); do
        pid=$(cat "$pidfile" 2>/dev/null || true)
        [ -n "$pid" ] && alive "$name" "$pid" && break
        pid=""
        sleep 0.1
    done
    [ -n "$pid" ] || die "$name did not start (no live PID in $pidfile)"
    echo "$name $pid" >>"$pids_file"
    say "$name running, PID $pid"
}

# A socket left by a munged that died would make the new one refuse to start.
rm -f "$socket" "$socket.lock" "$munge_dir/munged.pid"
runuser -u munge -- /usr/sbin/munged \
    --socket="$socket" \
    --key-file="$munge_dir/munge.key" \
    --pid-file="$munge_dir/munged.pid" \
    --log-file="$munge_dir/munged.log" \
    --seed-file="$munge_dir/munged.seed" >>"$log" 2>&1 || die "munged failed to start"
record munged "$munge_dir/munged.pid"
munge -n --socket="$socket" | unmunge --socket="$socket" >>"$log" 2>&1 ||
    die "munge credentials do not round-trip through $socket"

# -c: start from empty state (no jobs of an earlier cluster), -i: ignore state errors.
rm -f "$dir/run/slurmctld.pid" "$dir/run/slurmd.pid"
slurmctld -c -i >>"$log" 2>&1 || die "slurmctld failed to start"
record slurmctld "$dir/run/slurmctld.pid"
# Naming the node makes the machine's hostname irrelevant.
slurmd -N localhost >>"$log" 2>&1 || die "slurmd failed to start"
record slurmd "$dir/run/slurmd.pid"

deadline=$((SECONDS + ready_timeout_s))
state=""
while [ "$SECONDS" -lt "$deadline" ]; do
    state=$(node_state)
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || die "node not idle after ${ready_timeout_s} s (sinfo says '${state:-nothing}')"
say "node localhost idle ($cpus CPUs, ${real_memory_mb} MB); SLURM_CONF=$SLURM_CONF"
echo started
