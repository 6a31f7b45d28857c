# errata: HTTP Response: the body ends at Content-Length or at the close
# breaks: ignores Transfer-Encoding: chunked, so the chunk sizes end up in the body
# caught-by: a chunked body is decoded|trailers after the last chunk
s/h->chunked = 1;/h->chunked = 0;/
