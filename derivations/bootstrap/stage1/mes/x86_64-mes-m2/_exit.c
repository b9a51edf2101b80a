/* _exit.c: the exit system call on x86_64 (sx's glue).  The argument
 * is at rbp-8 (cc1's M2-Planet calling convention). */

void
_exit (int code)
{
  asm ("mov_rdi,[rbp+!] !-8"
       "mov_eax, %60"
       "syscall");
}
