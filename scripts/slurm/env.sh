# Source this file to talk to the local test SLURM that scripts/slurm/up.sh starts:
#
#     source scripts/slurm/env.sh [DIR]
#     sinfo; sbatch --parsable --wrap 'hostname'
#
# It sets TRABECULA_SLURM_DIR (the directory holding the cluster's config, state,
# spool, logs and pid files: DIR, else $TRABECULA_SLURM_DIR, else .slurm/ in the
# repository) and SLURM_CONF (its slurm.conf), which every SLURM command reads.
#
# No `set -euo pipefail` here on purpose: this file is sourced, and those options
# would stay set in the caller's interactive shell and end it on the first failing
# command. up.sh and down.sh source it too and set them themselves.

_trabecula_slurm_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TRABECULA_SLURM_DIR=${1:-${TRABECULA_SLURM_DIR:-$_trabecula_slurm_repo/.slurm}}
# An absolute path: slurm.conf and the daemons must not depend on the caller's cwd.
case $TRABECULA_SLURM_DIR in
    /*) ;;
    *) TRABECULA_SLURM_DIR=$PWD/$TRABECULA_SLURM_DIR ;;
esac
SLURM_CONF=$TRABECULA_SLURM_DIR/slurm.conf
export TRABECULA_SLURM_DIR SLURM_CONF
unset _trabecula_slurm_repo
