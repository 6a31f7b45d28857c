# errata: Multiplex TCP Server: "a backlog of 5 is typical"
# breaks: listens with a backlog of 5
# caught-by: >= FD_SETSIZE is refused cleanly
s/^#define BACKLOG SOMAXCONN/#define BACKLOG 5/
