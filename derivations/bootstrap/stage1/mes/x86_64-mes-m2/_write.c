/* _write.c: the write system call on x86_64 (sx's glue).  Returns the
 * kernel's result (a negative errno on failure) in rax. */

void
_write (int filedes, void *buffer, int size)
{
  asm ("mov_rdi,[rbp+!] !-8"
       "mov_rsi,[rbp+!] !-16"
       "mov_rdx,[rbp+!] !-24"
       "mov_eax, %1"
       "syscall");
}
