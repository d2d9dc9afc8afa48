#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for the SLURM executor's tests (test/slurm.test.ts) and for
# trying `simgan sweep --executor slurm` without a cluster. Needs root and Debian's slurmctld, slurmd,
# slurm-client and munge (scripts/setup.sh installs them). No systemd needed.
#
#   bash scripts/slurm-cluster.sh start DIR   # config, state and logs in DIR; prints the SLURM_CONF to export
#   bash scripts/slurm-cluster.sh stop DIR    # stops the daemons this script started
#
# slurmctld and slurmd read DIR/slurm.conf (clients find it through SLURM_CONF=DIR/slurm.conf), so nothing
# under /etc/slurm is touched. munge uses its standard key and socket (/etc/munge/munge.key, /run/munge):
# a running munged is reused, and left running by `stop`.
set -euo pipefail
cmd="${1:-}"
dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: slurm-cluster.sh start|stop DIR" >&2
  exit 2
fi
dir="$(mkdir -p "$dir" && cd "$dir" && pwd)"

stop_pidfile() {
  local f="$1"
  if [ -f "$f" ]; then
    local pid
    pid="$(cat "$f")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  fi
}

case "$cmd" in
  start)
    if [ "$(id -u)" != 0 ]; then echo "slurm-cluster: run as root (slurmd starts jobs as their users)" >&2; exit 1; fi
    for b in munged mungekey slurmctld slurmd sinfo sbatch squeue; do
      command -v "$b" >/dev/null || { echo "slurm-cluster: $b not found: apt-get install slurmctld slurmd slurm-client munge (bash scripts/setup.sh does)" >&2; exit 1; }
    done
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"
    # munge: the standard key and socket; started as the munge user unless one is running already.
    if ! munge -n </dev/null >/dev/null 2>&1; then
      [ -f /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
      chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
      mkdir -p /run/munge /var/lib/munge /var/log/munge && chown munge:munge /run/munge /var/lib/munge /var/log/munge
      runuser -u munge -- munged
      touch "$dir/started-munged"
      for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    host="$(hostname -s)"
    # The node line as slurmd measures this machine (CPUs, sockets, memory), so the node is not drained as
    # smaller than configured.
    node_line="$(slurmd -C | head -1)"
    cat >"$dir/slurm.conf" <<EOF
# One-node test cluster written by scripts/slurm-cluster.sh
ClusterName=simgan-test
SlurmctldHost=$host
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
$node_line
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld
    slurmd
    for _ in $(seq 150); do
      if sinfo -h -o '%T' 2>/dev/null | grep -q '^idle'; then
        echo "slurm-cluster: node $host idle; export SLURM_CONF=$SLURM_CONF"
        exit 0
      fi
      sleep 0.2
    done
    echo "slurm-cluster: the node did not become idle in 30 s; logs in $dir/log" >&2
    sinfo >&2 || true
    tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
    exit 1
    ;;
  stop)
    stop_pidfile "$dir/slurmd.pid"
    stop_pidfile "$dir/slurmctld.pid"
    if [ -f "$dir/started-munged" ]; then
      stop_pidfile /run/munge/munged.pid
      rm -f "$dir/started-munged"
    fi
    echo "slurm-cluster: stopped"
    ;;
  *)
    echo "usage: slurm-cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
