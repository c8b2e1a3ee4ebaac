#!/usr/bin/env bash
# opencode-bg job wrapper, copied into every job folder as run.sh. Arguments: the job folder,
# and the run number (restarts so far; default 0), which goes into exit.json.
# Runs the job's command as 'bash -c' would, in the caller's cwd and environment (which comes
# through a FIFO, see below), records the exit status atomically in exit.json, prints an
# invisible end marker, and waits a moment so tmux copies the last output to the log before the
# pty closes.
job_dir=$1
obg_run=${2:-0}
[[ $obg_run =~ ^[0-9]{1,9}$ ]] || obg_run=0
if [[ -z ${OPENCODE_BG_CLEAN:-} ]]; then
  # The tmux server's environment is stale: start empty, keep only the pane's TERM.
  exec /usr/bin/env -i OPENCODE_BG_CLEAN=1 "TERM=${TERM:-screen}" "$BASH" "$0" "$job_dir" "$obg_run"
fi
pane_term=$TERM
# The environment comes through a FIFO (env-pipe.ts), never a file: it holds API keys. Opened
# read-write so the open never blocks, and its name removed at once: nobody else can read it, and
# the writer knows we hold it. A header "<count> <mode>\n", then <count> NAME=VALUE entries
# (names checked before they were written), each exported as it is. Mode "w": all of it was in
# the pipe before we started, so no timeouts (bash reads a pipe a byte at a time; a timeout
# costs more syscalls per byte); "t": it streams in, and a writer that died must not hang us.
env_error="the job's environment did not arrive (the OpenCode or CLI that started it exited first?)"
env_fifo=$job_dir/env
if [[ -p $env_fifo ]] && exec {env_fd}<>"$env_fifo"; then
  rm -f -- "$env_fifo"
  if IFS=' ' read -r -t 10 -u "$env_fd" env_count env_mode && [[ $env_count =~ ^[0-9]{1,6}$ ]]; then
    env_entries=()
    if [[ $env_mode == w ]]; then
      # (-n 0 would mean "until end of file", which a pipe we hold open never reaches.)
      (( env_count == 0 )) || mapfile -d '' -n "$env_count" -u "$env_fd" env_entries
    else
      while (( ${#env_entries[@]} < env_count )) && IFS= read -r -d '' -t 10 -u "$env_fd" entry; do env_entries+=("$entry"); done
    fi
    if (( ${#env_entries[@]} == env_count )); then
      # One at a time: a read-only name (e.g. UID) must not stop the rest.
      # shellcheck disable=SC2163
      for entry in "${env_entries[@]}"; do export -- "$entry"; done
      env_error=
    fi
    unset env_entries entry
  fi
  exec {env_fd}<&-
fi
unset env_fifo env_fd env_count env_mode
export TERM=$pane_term
unset OPENCODE_BG_CLEAN TMUX TMUX_PANE
job_id=$OPENCODE_BG_JOB

write_status() {
  local now=${EPOCHREALTIME//[!0-9]/}
  local owner_gone=false
  [[ -e $job_dir/owner-gone ]] && owner_gone=true
  local interrupted=
  [[ -n $interrupted_by ]] && interrupted=",\"interrupted\":\"$interrupted_by\""
  # A subshell for umask: the command's own files keep the user's umask; ours are private. It and
  # mv ignore TERM: a kill TERMs whoever joins the job during its grace period, this record too.
  (trap '' TERM && umask 077 && printf '{"exitCode":%d,"endedAt":%d,"ownerGone":%s%s,"run":%d}\n' "$1" "${now:0:13}" "$owner_gone" "$interrupted" "$obg_run" > "$job_dir/exit.json.tmp" &&
    exec mv -f -- "$job_dir/exit.json.tmp" "$job_dir/exit.json")
}

# Ends every process that carries this job's marker, except this guard and the wrapper.
reap_job() {
  local signal pid entry pids
  for signal in TERM KILL; do
    pids=()
    for pid in /proc/[0-9]*; do
      pid=${pid#/proc/}
      [[ $pid == "$BASHPID" || $pid == "$$" ]] && continue
      while IFS= read -r -d '' entry; do
        if [[ $entry == "OPENCODE_BG_JOB=$job_id" ]]; then pids+=("$pid"); break; fi
      done 2>/dev/null < "/proc/$pid/environ"
    done
    (( ${#pids[@]} )) || return 0
    kill "-$signal" "${pids[@]}" 2>/dev/null
    [[ $signal == TERM ]] && sleep 2
  done
}

# Session jobs die with the OpenCode that owns them, even if it was killed with SIGKILL.
guard_pid=
if [[ -s $job_dir/owner-pid ]]; then
  IFS= read -r owner_pid < "$job_dir/owner-pid"
  (
    trap 'kill "$watch" 2>/dev/null; exit 0' TERM
    tail -s 2 -f /dev/null --pid="$owner_pid" < /dev/null > /dev/null 2>&1 &
    watch=$!
    wait "$watch"
    kill -0 "$owner_pid" 2>/dev/null && exit 0
    umask 077
    : > "$job_dir/owner-gone"
    reap_job
  ) &
  guard_pid=$!
fi

# Handlers (not ignores) so the command still gets each signal and we still record its status.
interrupted_by=
trap 'interrupted_by=INT' INT
trap 'interrupted_by=TERM' TERM
# A closed window (or a dead tmux server) hangs up the pty, and the kernel signals only the
# session leader, this script: pass the hang-up on to the job's process group, as a shell would.
trap 'interrupted_by=HUP; trap "" HUP; kill -HUP -- "-$$" 2>/dev/null' HUP

# `read -d ''` takes a whole file without forking a subshell as $(<file) would (start-up time).
IFS= read -r -d '' job_cwd < "$job_dir/cwd"
IFS= read -r -d '' job_command < "$job_dir/command"
# A restarted job's log continues: a visible line separates the runs.
(( obg_run > 0 )) && printf -- '--- opencode-bg: restart %d (%(%Y-%m-%d %H:%M:%S)T) ---\n' "$obg_run" -1
if [[ -n $env_error ]]; then
  printf 'opencode-bg: %s\n' "$env_error" >&2
  status=1
elif cd -- "$job_cwd"; then
  # In the background so the traps above run at once. Without job control bash would give a
  # background command /dev/null as stdin and ignore Ctrl-C in it: give it the pty and the
  # default signal actions back. It stays in our (foreground) process group.
  (trap - INT QUIT; exec bash -c "$job_command") <&0 &
  child=$!
  while :; do
    wait "$child"
    status=$?
    # wait also returns when a trapped signal arrives; the command may still be running.
    kill -0 "$child" 2>/dev/null || break
  done
else
  status=1
fi
[[ -n $guard_pid ]] && kill "$guard_pid" 2>/dev/null
write_status "$status"
printf '\033]777;opencode-bg-exit;%d\007' "$status"
# Measured: without a short pause tmux can drop the last few KB of output.
[[ $interrupted_by == TERM ]] || sleep 0.15
exit "$status"
