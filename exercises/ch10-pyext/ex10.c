/*
 * ex10 - chapter 10's exercises as one extension module: days in a year, days in a month,
 *        the mean of any iterable of numbers.
 *
 * usage: import ex10
 *          ex10.days_in_year(year)          -> 365 or 366
 *          ex10.days_in_month(month, year)  -> 28..31
 *          ex10.mean(iterable)              -> float
 * domain: YEAR is an int in 1..9999, MONTH an int in 1..12 (January is 1), both positional.
 *         The calendar is the proleptic Gregorian one of Python's calendar and datetime
 *         modules, over datetime's years (MINYEAR..MAXYEAR): a year divisible by 4 is a leap
 *         year, except a century, except every fourth century (1900 is not, 2000 is).
 *         An int is an int or anything with __index__; a bool is not (a bug, not a year).
 *         mean takes any iterable (generators too) of real numbers: int, float, bool, and
 *         anything with __float__ or __index__ (Fraction, Decimal), as statistics.fmean
 *         does; each is converted to a float, and the floats are summed exactly (Shewchuk's
 *         partials, the algorithm of math.fsum), rounded once, then divided by n: the
 *         result is fmean's, bit for bit, even when large values cancel.
 *         An inf or nan among the items makes the mean inf or nan (inf and -inf: nan).
 * errors: TypeError    "year must be an int, not float" (likewise "month ..."); wrong
 *                      argument count; a mean item that is no real number
 *                      ("mean() items must be real numbers, not str"); a non-iterable
 *         ValueError   "year must be in 1..9999", "month must be in 1..12" (huge ints too);
 *                      "mean() of an empty iterable"
 *         OverflowError  an int item beyond float range, or finite items whose sum
 *                      exceeds it (as fmean does)
 *         anything the iterator raises is passed on unchanged.
 * build: make ch10   or   python3 setup.py build_ext --inplace   or   pip install .
 * try:   cd exercises/ch10-pyext && python3 -c 'import ex10; print(ex10.days_in_year(1900),
 *          ex10.days_in_month(2, 2000), ex10.mean(x / 10 for x in range(11)))'
 * text:  chapter 10, "Exercises" 1-3
 *
 * Multi-phase initialisation with no module state: nothing is kept between calls, so the
 * module is safe in subinterpreters and (3.13's free-threaded build) without the GIL.
 */
#define PY_SSIZE_T_CLEAN	/* "#" formats take Py_ssize_t, the only choice since 3.10 */
#include <Python.h>		/* first: it sets feature macros that system headers read */
#include <math.h>
#include <string.h>

#define MIN_YEAR 1L		/* datetime.MINYEAR */
#define MAX_YEAR 9999L		/* datetime.MAXYEAR */

/*
 * Converts OBJ, named WHAT in messages, to a long in lo..hi.  Returns -1 with
 * TypeError (not an int, or a bool) or ValueError (out of range, however large) set.
 */
static int
int_in_range(PyObject *obj, long lo, long hi, const char *what, long *out)
{
	PyObject *index;
	long value;
	int overflow;

	if (PyBool_Check(obj) || !PyIndex_Check(obj)) {
		PyErr_Format(PyExc_TypeError, "%s must be an int, not %.100s", what,
		    Py_TYPE(obj)->tp_name);
		return -1;
	}
	index = PyNumber_Index(obj);
	if (index == NULL)
		return -1;
	value = PyLong_AsLongAndOverflow(index, &overflow);
	Py_DECREF(index);
	if (value == -1 && PyErr_Occurred())
		return -1;
	if (overflow != 0 || value < lo || value > hi) {
		PyErr_Format(PyExc_ValueError, "%s must be in %ld..%ld", what, lo, hi);
		return -1;
	}
	*out = value;
	return 0;
}

static int
is_leap(long year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static PyObject *
ex10_days_in_year(PyObject *Py_UNUSED(module), PyObject *arg)
{
	long year;

	if (int_in_range(arg, MIN_YEAR, MAX_YEAR, "year", &year) < 0)
		return NULL;
	return PyLong_FromLong(is_leap(year) ? 366 : 365);
}

/* METH_FASTCALL: the arguments arrive as a C array, no tuple is built per call. */
static PyObject *
ex10_days_in_month(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	long month, year;

	if (nargs != 2) {
		PyErr_Format(PyExc_TypeError,
		    "days_in_month() takes exactly 2 arguments (month, year) (%zd given)", nargs);
		return NULL;
	}
	if (int_in_range(args[0], 1, 12, "month", &month) < 0 ||
	    int_in_range(args[1], MIN_YEAR, MAX_YEAR, "year", &year) < 0)
		return NULL;
	return PyLong_FromLong(days[month - 1] + (month == 2 && is_leap(year)));
}

/*
 * A real number as statistics.fmean takes it: what float() accepts, minus strings.
 * Returns -1 with an exception set; the item's own __float__ may raise anything.
 */
static int
item_value(PyObject *item, double *out)
{
	PyNumberMethods *nb = Py_TYPE(item)->tp_as_number;
	double x;

	if (!PyFloat_Check(item) && !PyLong_Check(item) &&
	    (nb == NULL || (nb->nb_float == NULL && nb->nb_index == NULL))) {
		PyErr_Format(PyExc_TypeError, "mean() items must be real numbers, not %.100s",
		    Py_TYPE(item)->tp_name);
		return -1;
	}
	x = PyFloat_AsDouble(item);
	/* -1.0 marks a possible error, but -Wfloat-equal frowns on ==: ask directly. */
	if (PyErr_Occurred())
		return -1;
	*out = x;
	return 0;
}

/*
 * An exact running sum, as math.fsum keeps it (Shewchuk, "Adaptive Precision
 * Floating-Point Arithmetic", 1997): a few doubles, the partials, that do not
 * overlap and whose exact sum is the exact sum of everything added.  Adding x
 * runs it through the partials with two-sum steps (hi + lo == x + y exactly),
 * keeping the nonzero low parts.  A compensated (Kahan or Neumaier) sum keeps
 * one correction term and loses it when large values cancel at several
 * magnitudes: mean([1e100, 1e50, 1.0, -1e100, -1e50]) came out 0.0, not 0.2.
 * -Wfloat-equal: "lo is not zero" is written as two inequalities; an exact
 * comparison is the point here.  Returns 0, or -1 with an exception set.
 */
static int
add_partial(double **partials, size_t *m, size_t *room, const double *stack, double x)
{
	double *p = *partials;
	size_t i = 0;

	for (size_t j = 0; j < *m; j++) {
		double y = p[j], hi, lo;

		if (fabs(x) < fabs(y)) {
			double t = x;

			x = y;
			y = t;
		}
		hi = x + y;
		lo = y - (hi - x);
		if (lo < 0.0 || lo > 0.0)
			p[i++] = lo;
		x = hi;
	}
	if (!isfinite(x)) {
		PyErr_SetString(PyExc_OverflowError, "mean(): the sum is too large for a float");
		return -1;
	}
	if (i == *room) {
		size_t bigger = *room * 2;
		double *q = PyMem_Malloc(bigger * sizeof *q);

		if (q == NULL) {
			PyErr_NoMemory();
			return -1;
		}
		memcpy(q, p, i * sizeof *q);
		if (p != stack)
			PyMem_Free(p);
		*partials = p = q;
		*room = bigger;
	}
	p[i++] = x;
	*m = i;
	return 0;
}

/*
 * The exact sum of the partials, rounded once to the nearest double (ties to
 * even), as math.fsum rounds it: add from the largest down until a low part
 * is left over; if the next partial has the same sign, the rounding was a
 * tie broken the wrong way, and is corrected.
 */
static double
round_partials(const double *p, size_t m)
{
	double hi = 0.0, lo = 0.0;

	if (m == 0)
		return 0.0;
	hi = p[--m];
	while (m > 0) {
		double x = hi, y = p[--m];

		hi = x + y;
		lo = y - (hi - x);
		if (lo < 0.0 || lo > 0.0)
			break;
	}
	if (m > 0 && ((lo < 0.0 && p[m - 1] < 0.0) || (lo > 0.0 && p[m - 1] > 0.0))) {
		double y = lo * 2.0, x = hi + y, yr = x - hi;

		if (!(y < yr || y > yr))
			hi = x;
	}
	return hi;
}

/*
 * Neumaier's compensated sum: c collects the low-order bits that each addition to
 * sum rounds away, so the error stays near one rounding of the total instead of
 * growing with the number of items (naive summation of 1e100, 1, -1e100 gives 0).
 * Non-finite items are summed apart, since inf - inf in the compensation is nan.
 */
static PyObject *
ex10_mean(PyObject *Py_UNUSED(module), PyObject *iterable)
{
	double stack[32], *partials = stack, x, special = 0.0;
	size_t m = 0, room = sizeof stack / sizeof stack[0];
	unsigned long long n = 0;
	PyObject *it, *item, *result = NULL;
	int nonfinite = 0;

	it = PyObject_GetIter(iterable);
	if (it == NULL)
		return NULL;
	while ((item = PyIter_Next(it)) != NULL) {
		int rc = item_value(item, &x);

		Py_DECREF(item);
		if (rc < 0)
			goto done;
		n++;
		/* A C iterator (itertools.repeat) runs no Python code: let Ctrl-C in. */
		if ((n & 0xfffff) == 0 && PyErr_CheckSignals() < 0)
			goto done;
		if (!isfinite(x)) {
			special += x;
			nonfinite = 1;
			continue;
		}
		if (add_partial(&partials, &m, &room, stack, x) < 0)
			goto done;
	}
	if (PyErr_Occurred())	/* the iterator raised: pass it on as it is */
		goto done;
	if (n == 0)
		PyErr_SetString(PyExc_ValueError, "mean() of an empty iterable");
	else if (nonfinite)
		result = PyFloat_FromDouble(special);
	else
		result = PyFloat_FromDouble(round_partials(partials, m) / (double)n);
done:
	Py_DECREF(it);
	if (partials != stack)
		PyMem_Free(partials);
	return result;
}

static PyMethodDef ex10_methods[] = {
	{"days_in_year", ex10_days_in_year, METH_O,
	    "days_in_year(year, /)\n--\n\n"
	    "Return 366 for a Gregorian leap year, else 365; year in 1..9999."},
	/* The cast through void (*)(void) tells -Wcast-function-type the signature is meant. */
	{"days_in_month", (PyCFunction)(void (*)(void))ex10_days_in_month, METH_FASTCALL,
	    "days_in_month(month, year, /)\n--\n\n"
	    "Return the number of days (28..31) of month 1..12 in year 1..9999."},
	{"mean", ex10_mean, METH_O,
	    "mean(iterable, /)\n--\n\n"
	    "Return the arithmetic mean of the real numbers of iterable as a float."},
	{NULL, NULL, 0, NULL}
};

static PyModuleDef_Slot ex10_slots[] = {
#ifdef Py_mod_multiple_interpreters
	{Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#ifdef Py_mod_gil
	{Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
	{0, NULL}
};

static PyModuleDef ex10_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "ex10",
	.m_doc = "Chapter 10 exercises: days_in_year, days_in_month and mean.",
	.m_size = 0,
	.m_methods = ex10_methods,
	.m_slots = ex10_slots,
};

PyMODINIT_FUNC
PyInit_ex10(void)
{
	return PyModuleDef_Init(&ex10_module);
}
