# errata: Scheduling: stopping workers with semaphores, "finish" jobs or signals; init that cannot fail
# breaks: a worker stops as soon as the pool is destroyed, with jobs still queued (jobs that jobs add are lost)
# caught-by: drain|nested
# edits: ch09-workers/worker_pool.c
s/if (q->state == ABORTING || q->head == NULL)/if (q->state != RUNNING || q->head == NULL)/
