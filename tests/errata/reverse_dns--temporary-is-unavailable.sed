# errata: Reverse DNS Lookup: every failure is "unavailable"; scoped addresses are rejected; the length is wrong
# breaks: a temporary failure of the name service (EAI_AGAIN) exits 69, as every failure does in the text
# caught-by: is temporary: 75
/case EAI_AGAIN:/{n;s/return EX_TEMPFAIL;/return EX_UNAVAILABLE;/}
