/*
 * hello - the chapter's extension module: one function and the Gumball type, finished.
 *
 * usage: import hello                      (module hello, from the .so next to this file)
 *          hello.method_name()            -> None
 *          g = hello.Gumball(count=0)     a machine holding COUNT gumballs, 0..hello.CAPACITY
 *          g.turn()                       -> gumballs left; hello.EmptyError when there are none
 *          g.refill(n)                    -> None; adds N (0..CAPACITY - count) gumballs
 *          g.count                        read-only (AttributeError on assignment or del)
 *          repr(g)                        'Gumball(3)', with the subclass's name for a subclass
 * errors: TypeError   a count that is not an int (float, str, None) or is a bool
 *         ValueError  a count below 0, or a machine that would hold more than CAPACITY (1000);
 *                     also for ints too big for C: the same message, not OverflowError
 *         hello.EmptyError (an Exception)   turn() on an empty machine
 * build: make ch10                         (hello.cpython-*.so here, for $PYTHON)
 *        python3 setup.py build_ext --inplace   or   pip install .
 * try:   cd ch10-pyext && python3 -c 'import hello; help(hello)'
 *        python3 -c 'import hello; g = hello.Gumball(2); print(g, g.turn(), g.turn()); g.turn()'
 * text:  chapter 10, "Minimal Working Example", "New Python Types", "Including the Class"
 *
 * Design decisions, each a choice the text leaves open:
 * - Multi-phase initialisation (PEP 489: PyInit_hello returns the PyModuleDef, an exec slot
 *   fills the module) with a heap type and per-module state, not the text's single-phase
 *   init with a static type.  The Python documentation recommends it for new modules: no C
 *   globals hold Python objects, so each import in each (sub)interpreter gets its own
 *   Gumball and EmptyError, and a module that is collected frees them.  The price is that
 *   turn() finds EmptyError through its type's module (PyType_GetModuleByDef, 3.11+).
 * - Gumball is subclassable (Py_TPFLAGS_BASETYPE): a student can give a subclass a colour.
 *   tp_init does the parsing, so a subclass's __init__ may call super().__init__(n); as
 *   for list, calling __init__ again resets the count.  The type itself is immutable
 *   (Py_TPFLAGS_IMMUTABLETYPE), like the built-in types: hello.Gumball.turn = ... fails.
 * - Instances take part in garbage collection (Py_TPFLAGS_HAVE_GC): an instance of a heap
 *   type owns a reference to its type, which owns its module, so `hello.g = hello.Gumball()`
 *   is a cycle that only the collector can free, and only if it can see the instance.
 * - bool is refused although it is an int: Gumball(True) is a bug, not one gumball.
 */
#define PY_SSIZE_T_CLEAN	/* "#" formats take Py_ssize_t, the only choice since 3.10 */
#include <Python.h>		/* first: it sets feature macros that system headers read */

/*
 * Slots hold functions in a void *.  ISO C does not promise that a function pointer
 * survives that conversion, so -Wpedantic warns; POSIX does (dlsym depends on it), and
 * so does CPython.  __extension__ tells gcc and clang that we know.
 */
#define SLOT_FN(f) (__extension__ (void *)(f))

#define GUMBALL_CAPACITY 1000L	/* what one machine holds */

typedef struct {
	PyObject *empty_error;	/* hello.EmptyError; owned */
} hello_state;

typedef struct {
	PyObject_HEAD
	long count;		/* 0..GUMBALL_CAPACITY, always */
} gumball_object;

static PyModuleDef hello_module;

/*
 * Converts OBJ to a C long for the message WHAT (*OVERFLOW set when it does not
 * fit).  An int subclass or an object with __index__ is an int; a bool is not.
 * __index__ is Python code: it may do anything, to anything.  Returns 0, or -1
 * with an exception set.
 */
static int
to_long(PyObject *obj, const char *what, long *out, int *overflow)
{
	PyObject *index;
	long value;

	if (PyBool_Check(obj) || !PyIndex_Check(obj)) {
		PyErr_Format(PyExc_TypeError, "%s must be an int, not %.100s", what,
		    Py_TYPE(obj)->tp_name);
		return -1;
	}
	index = PyNumber_Index(obj);
	if (index == NULL)
		return -1;
	value = PyLong_AsLongAndOverflow(index, overflow);
	Py_DECREF(index);
	if (value == -1 && PyErr_Occurred())
		return -1;
	*out = value;
	return 0;
}

/* VALUE (from to_long) as a count in 0..LIMIT for WHAT.  Returns 0, or -1 with ValueError. */
static int
check_count(long value, int overflow, long limit, const char *what)
{
	if (overflow != 0 || value < 0 || value > limit) {
		PyErr_Format(PyExc_ValueError, "%s must be in 0..%ld", what, limit);
		return -1;
	}
	return 0;
}

/* ---- hello.Gumball ---------------------------------------------------- */

static int
gumball_init(PyObject *self, PyObject *args, PyObject *kwds)
{
	/* The keyword list is char *[] before 3.13; -Wwrite-strings makes literals const. */
	static char kw_count[] = "count";
	static char *kwlist[] = {kw_count, NULL};
	PyObject *arg = NULL;
	long count = 0;
	int overflow = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:Gumball", kwlist, &arg))
		return -1;
	if (arg != NULL && (to_long(arg, "count", &count, &overflow) < 0 ||
	    check_count(count, overflow, GUMBALL_CAPACITY, "count") < 0))
		return -1;
	((gumball_object *)self)->count = count;
	return 0;
}

static PyObject *
gumball_turn(PyObject *self, PyObject *Py_UNUSED(ignored))
{
	gumball_object *g = (gumball_object *)self;
	PyObject *module;
	hello_state *st;

	if (g->count > 0) {
		PyObject *left = PyLong_FromLong(g->count - 1);

		/* No gumball is lost to a MemoryError. */
		if (left != NULL)
			g->count--;
		return left;
	}
	/* Py_TYPE(self) may be a subclass: search its bases for our module. */
	module = PyType_GetModuleByDef(Py_TYPE(self), &hello_module);
	if (module == NULL)
		return NULL;
	st = PyModule_GetState(module);
	if (st == NULL)
		return NULL;
	PyErr_SetString(st->empty_error, "the machine is empty: refill() it");
	return NULL;
}

static PyObject *
gumball_refill(PyObject *self, PyObject *arg)
{
	gumball_object *g = (gumball_object *)self;
	int overflow;
	long n;

	/*
	 * Convert first, then check against the count as it is now: __index__ is
	 * Python code, which may refill this very machine (or let another thread
	 * do it) between a limit computed before and the addition after.  No
	 * Python code runs between the check and the addition.  count + n cannot
	 * overflow: both are at most GUMBALL_CAPACITY.
	 */
	if (to_long(arg, "refill amount", &n, &overflow) < 0 ||
	    check_count(n, overflow, GUMBALL_CAPACITY - g->count, "refill amount") < 0)
		return NULL;
	g->count += n;
	Py_RETURN_NONE;
}

static PyObject *
gumball_get_count(PyObject *self, void *Py_UNUSED(closure))
{
	return PyLong_FromLong(((gumball_object *)self)->count);
}

static PyObject *
gumball_repr(PyObject *self)
{
	PyObject *name, *repr;

	name = PyType_GetQualName(Py_TYPE(self));
	if (name == NULL)
		return NULL;
	repr = PyUnicode_FromFormat("%U(%ld)", name, ((gumball_object *)self)->count);
	Py_DECREF(name);
	return repr;
}

/* The instance's one reference that the collector must know of is the one to its type. */
static int
gumball_traverse(PyObject *self, visitproc visit, void *arg)
{
	Py_VISIT(Py_TYPE(self));
	return 0;
}

/*
 * tp_free of the object's own type: for a Python subclass that is not ours.  The
 * instance held a reference to its heap type, released last, after the memory.
 */
static void
gumball_dealloc(PyObject *self)
{
	PyTypeObject *tp = Py_TYPE(self);

	PyObject_GC_UnTrack(self);
	tp->tp_free(self);
	Py_DECREF(tp);
}

static PyMethodDef gumball_methods[] = {
	{"turn", gumball_turn, METH_NOARGS,
	    "turn($self, /)\n--\n\n"
	    "Dispense one gumball; return how many are left.\n"
	    "Raise hello.EmptyError when the machine is empty."},
	{"refill", gumball_refill, METH_O,
	    "refill($self, n, /)\n--\n\n"
	    "Add n gumballs; the machine holds at most hello.CAPACITY."},
	{NULL, NULL, 0, NULL}
};

static PyGetSetDef gumball_getset[] = {
	/* No setter: assigning or deleting raises AttributeError. */
	{"count", gumball_get_count, NULL, "Gumballs in the machine (read-only).", NULL},
	{NULL, NULL, NULL, NULL, NULL}
};

static PyType_Slot gumball_slots[] = {
	{Py_tp_doc, (void *)
	    "Gumball(count=0)\n--\n\n"
	    "A gumball machine holding count gumballs (0..hello.CAPACITY)."},
	{Py_tp_new, SLOT_FN(PyType_GenericNew)},
	{Py_tp_init, SLOT_FN(gumball_init)},
	{Py_tp_dealloc, SLOT_FN(gumball_dealloc)},
	{Py_tp_traverse, SLOT_FN(gumball_traverse)},
	{Py_tp_repr, SLOT_FN(gumball_repr)},
	{Py_tp_methods, gumball_methods},
	{Py_tp_getset, gumball_getset},
	{0, NULL}
};

static PyType_Spec gumball_spec = {
	.name = "hello.Gumball",
	.basicsize = sizeof (gumball_object),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC |
	    Py_TPFLAGS_IMMUTABLETYPE,
	.slots = gumball_slots,
};

/* ---- module hello ----------------------------------------------------- */

static PyObject *
hello_method_name(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored))
{
	Py_RETURN_NONE;
}

/*
 * Fills a new module object.  On failure the module is discarded and m_free
 * releases whatever reached the state; what reached the module is the module's.
 */
static int
hello_exec(PyObject *module)
{
	hello_state *st = PyModule_GetState(module);
	PyObject *type;
	int rc;

	if (st == NULL)
		return -1;
	st->empty_error = PyErr_NewExceptionWithDoc("hello.EmptyError",
	    "Raised by Gumball.turn() when the machine is empty.", NULL, NULL);
	if (st->empty_error == NULL)
		return -1;
	/* AddObjectRef does not steal: the state keeps its own reference. */
	if (PyModule_AddObjectRef(module, "EmptyError", st->empty_error) < 0)
		return -1;

	type = PyType_FromModuleAndSpec(module, &gumball_spec, NULL);
	if (type == NULL)
		return -1;
	rc = PyModule_AddType(module, (PyTypeObject *)type);
	Py_DECREF(type);
	if (rc < 0)
		return -1;

	return PyModule_AddIntConstant(module, "CAPACITY", GUMBALL_CAPACITY);
}

static int
hello_traverse(PyObject *module, visitproc visit, void *arg)
{
	hello_state *st = PyModule_GetState(module);

	if (st != NULL)
		Py_VISIT(st->empty_error);
	return 0;
}

static int
hello_clear(PyObject *module)
{
	hello_state *st = PyModule_GetState(module);

	if (st != NULL)
		Py_CLEAR(st->empty_error);
	return 0;
}

static void
hello_free(void *module)
{
	(void)hello_clear(module);
}

static PyMethodDef hello_methods[] = {
	{"method_name", hello_method_name, METH_NOARGS,
	    "method_name()\n--\n\nDo nothing and return None: the smallest function there is."},
	{NULL, NULL, 0, NULL}
};

/*
 * Each interpreter has its own module state and types, so 3.12's interpreters with a GIL of
 * their own may load it.  Not Py_mod_gil: turn() and refill() rely on the GIL to update count.
 */
static PyModuleDef_Slot hello_slots[] = {
	{Py_mod_exec, SLOT_FN(hello_exec)},
#ifdef Py_mod_multiple_interpreters
	{Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
	{0, NULL}
};

static PyModuleDef hello_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "hello",
	.m_doc = "The course's first extension module: method_name() and the Gumball type.",
	.m_size = sizeof (hello_state),
	.m_methods = hello_methods,
	.m_slots = hello_slots,
	.m_traverse = hello_traverse,
	.m_clear = hello_clear,
	.m_free = hello_free,
};

/* The one exported symbol; the name after PyInit_ is the module's file name. */
PyMODINIT_FUNC
PyInit_hello(void)
{
	return PyModuleDef_Init(&hello_module);
}
