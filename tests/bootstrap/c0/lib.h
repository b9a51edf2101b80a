// lib.h: declarations of lib.c for gcc; cc0 skips # lines and reads
// lib.c before the program instead.
int str_len(char* s);
void print(char* s);
void print_char(int c);
void print_int(int n);
void print_hex(int n);
void print_ln();
void print_kv(char* key, int value);
