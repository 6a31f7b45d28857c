/*
 * Room for one more client: the clients S->cl and the poll set S->pfd (one
 * entry more, the listener's) grow together, doubling.  Returns 0, or -1.
 */
static int
make_room(struct server *s)
{
	struct client *cl;
	struct pollfd *pfd;
	size_t cap;

	if (s->n < s->cap)
		return 0;
	cap = s->cap > 0 ? s->cap * 2 : 16;
	cl = realloc(s->cl, cap * sizeof *cl);
	if (cl == NULL)
		return -1;
	s->cl = cl;
	pfd = realloc(s->pfd, (cap + 1) * sizeof *pfd);
	if (pfd == NULL)
		return -1;
	s->pfd = pfd;
	s->cap = cap;
	return 0;
}
