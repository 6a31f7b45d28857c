# errata: Signal Handling: what `signal()` and `SA_RESTART` do to `connect` and `accept`
# breaks: installs the alarm handler with SA_RESTART, as glibc's signal() does under the GNU dialect
# caught-by: interrupted by the alarm, finished with poll
s/struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = 0 };/struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };/
