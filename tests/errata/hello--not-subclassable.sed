# errata: Including the Class, New Python Types: a type with no constructor, no dealloc, not subclassable
# breaks: flags the type Py_TPFLAGS_DEFAULT without Py_TPFLAGS_BASETYPE, as the text does
# caught-by: can be subclassed
s/\.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC |/.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |/
