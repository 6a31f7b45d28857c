# errata: IP List: a failed lookup is a usage error, the output is not one address per line, duplicates are printed
# breaks: a temporary failure of the name service (EAI_AGAIN) exits 64, as every error does in the text
# caught-by: temporary: 75
/case EAI_AGAIN:/{n;s/return EX_TEMPFAIL;/return EX_USAGE;/}
