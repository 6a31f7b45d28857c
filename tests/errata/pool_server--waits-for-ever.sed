# errata: Worker Pools: jobs that wait on a network peer
# breaks: a worker waits for its client as long as the client likes, so a silent client holds the worker for ever
# caught-by: disconnects a client silent for 10 s
s/ready = poll(pfd, 2, rest < IDLE_SECONDS \* 1000LL ? (int)rest : IDLE_SECONDS \* 1000);/ready = poll(pfd, 2, -1);/
