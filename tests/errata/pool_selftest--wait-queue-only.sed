# errata: Scheduling: waiting by polling `wp_is_empty` once a second
# breaks: wp_wait returns once the queue is empty, while jobs still run
# caught-by: wait-prompt
# edits: ch09-workers/worker_pool.c
/^wp_wait(/,/^}/s/while (q->head != NULL || q->running > 0)/while (q->head != NULL)/
