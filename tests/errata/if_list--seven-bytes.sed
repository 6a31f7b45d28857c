# errata: Interface List: the MAC address is printed with seven bytes
# breaks: prints one byte more than sll_halen says the address has
# caught-by: prints each MAC exactly|six-byte MAC
s/for (size_t i = 0; i < len; i++)/for (size_t i = 0; i < len + 1; i++)/
