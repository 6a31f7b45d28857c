# errata: Scheduling: waiting by polling `wp_is_empty` once a second
# breaks: wp_wait polls the pool once a second instead of sleeping on a condition variable
# caught-by: wait-prompt
# edits: ch09-workers/worker_pool.c
/^wp_wait(/,/^}/{
s/must(pthread_cond_wait(&q->idle, &q->lock));/must(pthread_mutex_unlock(\&q->lock)); sleep(1); must(pthread_mutex_lock(\&q->lock));/
}
s/^#include <stdlib.h>$/&\n#include <unistd.h>/
