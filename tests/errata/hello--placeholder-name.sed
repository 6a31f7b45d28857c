# errata: Minimal Working Example: the listing does not compile, and names the module wrongly
# breaks: gives the module definition a placeholder name, as the listing does
# caught-by: returns None and takes no arguments
s/\.m_name = "hello",/.m_name = "module_name",/
