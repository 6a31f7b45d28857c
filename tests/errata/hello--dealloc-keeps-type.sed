# errata: Including the Class, New Python Types: a type with no constructor, no dealloc, not subclassable
# breaks: a dealloc that frees the object but keeps its reference to the heap type (every instance leaks one)
# caught-by: deallocation gives the type its reference back
/^gumball_dealloc(/,/^}/s/^\tPy_DECREF(tp);/\t(void)tp;/
