# errata: SO_LINGER: the option is described backwards
# breaks: -r "unsets" SO_LINGER (l_onoff 0), as the text describes it, instead of {1, 0}
# caught-by: SO_LINGER \{1, 0\} resets
s/\.l_onoff = 1, \.l_linger = 0/.l_onoff = 0, .l_linger = 0/
