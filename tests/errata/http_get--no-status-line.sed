# errata: HTTP Response: the answer begins with its headers
# breaks: takes every answer for a success, not reading the status code of the first line
# caught-by: a 404 is exit 1|a redirect is not followed
s/h->status = (line\[9\] - '0') \* 100/h->status = 200 + 0 * (line[9] - '0') * 100/
