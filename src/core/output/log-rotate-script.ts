// The rotation script copied into every job folder as log-rotate.sh. GNU split runs it once per
// chunk of the pane's output (split --filter), strictly one after another: the previous chunk's
// `cat` has exited before it starts, so nothing writes output.log while it rotates, and no byte
// is lost or reordered (tmux's own pipe is never re-pointed, which drops buffered bytes).
//
// Before a chunk, if output.log holds at least half a chunk, it becomes output.1.log (replacing
// the older one: that output is dropped) and a fresh output.log takes the chunk. log-index.json
// says where each file starts in the whole stream (see log-segments.ts); it is written BEFORE the
// move (describing the file about to move) and after it, so readers always see one or the other.
// Arguments: the job folder, the chunk size in bytes. Fixed text: no user input in it (and no
// "${", which this template literal would expand).

/** Text of log-rotate.sh. */
export const LOG_ROTATE_SCRIPT = String.raw`#!/usr/bin/env bash
# opencode-bg: rotates a job's output.log; run by 'split --filter' before each chunk of output.
# Few processes on purpose: the job's output waits in the pipe while this runs.
dir=$1 chunk=$2
log=$dir/output.log index=$dir/log-index.json next=$dir/output.next.$$.tmp link=$dir/output.1.log.$$.tmp
umask 077
write_index() { printf '%s\n' "$1" > "$index.$$.tmp" && mv -f -- "$index.$$.tmp" "$index"; }
made='' rotated=''
if [[ -s $log ]] && : > "$next" && made=1 &&
  { read -r -d '' -a stats < <(stat -c '%s %i' -- "$log" "$next"); (( stats[3] > 0 && stats[0] >= chunk / 2 )); }; then
  size=$((stats[0])) old_ino=$((stats[1])) new_ino=$((stats[3]))
  start_byte=0 start_line=0 known_ino=''
  index_text=''
  [[ -s $index ]] && IFS= read -r -d '' index_text < "$index"
  if [[ $index_text =~ \"current\":\{\"startByte\":([0-9]+),\"startLine\":([0-9]+)(,\"ino\":([0-9]+))? ]]; then
    start_byte=$((BASH_REMATCH[1])) start_line=$((BASH_REMATCH[2])) known_ino=$((BASH_REMATCH[4]))
  fi
  lines=$(wc -l < "$log")
  # Readers must know where output.log starts before it moves (the first time, nobody wrote it).
  if { [[ $known_ino == "$old_ino" ]] || write_index "{\"version\":1,\"current\":{\"startByte\":$start_byte,\"startLine\":$start_line,\"ino\":$old_ino}}"; } &&
    ln -f -- "$log" "$link" && mv -f -- "$link" "$dir/output.1.log" && mv -f -- "$next" "$log"; then
    rotated=1
    write_index "{\"version\":1,\"current\":{\"startByte\":$((start_byte + size)),\"startLine\":$((start_line + lines)),\"ino\":$new_ino},\"previous\":{\"startByte\":$start_byte,\"startLine\":$start_line,\"ino\":$old_ino}}"
  fi
fi
[[ -n $made && -z $rotated ]] && rm -f -- "$next" "$link"
# Whatever happened above, the chunk goes to output.log. A write that fails (a full disk) leaves
# log-write-failed (empty, so it fits) for readers: the output is no longer recorded.
if cat >> "$log"; then rm -f -- "$dir/log-write-failed"; else : > "$dir/log-write-failed"; fi
`;
