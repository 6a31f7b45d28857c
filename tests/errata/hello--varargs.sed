# errata: Methods: "METH_VARARGS is the only value used today"
# breaks: declares method_name METH_VARARGS, so it silently takes any arguments
# caught-by: returns None and takes no arguments
s/{"method_name", hello_method_name, METH_NOARGS,/{"method_name", hello_method_name, METH_VARARGS,/
