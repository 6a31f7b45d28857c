# errata: Multiplex TCP Server: one child per connection, for as long as the client likes
# breaks: forks a child for every connection, as the text does: no cap on the children
# caught-by: at most 64 children
s/^#define MAX_CHILDREN 64$/#define MAX_CHILDREN 100000/
