#!/bin/sh
# ПрофРост's daily jobs for the Docker installation (the `scheduler` service of compose.yaml); a systemd
# installation uses deploy/systemd/profrost-daily.timer instead.
#
# Runs the jobs once at start, then every day at REMIND_AT (HH:MM, local time of TZ):
#   profrost routes remind   notifications for route items past their dates without a report
#                            (each notice is sent once: running it again the same day sends nothing new)
#   profrost monitoring remind  notifications of addressed recommendations whose answer is overdue (once each)
#   profrost clearsessions   deletes expired sessions
# A failed job is logged and retried at the next run; the loop itself keeps going.
set -eu
at="${REMIND_AT:-07:00}"
while :; do
  echo "$(date '+%Y-%m-%d %H:%M:%S %Z') daily jobs"
  profrost routes remind || echo "profrost routes remind failed (exit $?)" >&2
  profrost monitoring remind || echo "profrost monitoring remind failed (exit $?)" >&2
  profrost clearsessions || echo "profrost clearsessions failed (exit $?)" >&2
  now=$(date +%s)
  next=$(date -d "today $at" +%s)
  if [ "$next" -le "$now" ]; then
    next=$(date -d "tomorrow $at" +%s)
  fi
  sleep $((next - now))
done
