/*
 * t_string.h - private to the string command family (t_string.c,
 * t_incr.c, t_lcs.c): they register as one family, through
 * kvd_register_string_commands().
 */
#ifndef KVD_T_STRING_H
#define KVD_T_STRING_H

void kvd_register_incr_commands(void);
void kvd_register_lcs_commands(void);

#endif /* KVD_T_STRING_H */
