# errata: Scheduling: stopping workers with semaphores, "finish" jobs or signals; init that cannot fail
# breaks: wp_init ignores a failing pthread_create
# caught-by: init-fails
# edits: ch09-workers/worker_pool.c
/^start_pool(/,/^}/s/rc = pthread_create(&p->threads\[started\], NULL, worker, q);/(void)pthread_create(\&p->threads[started], NULL, worker, q);/
