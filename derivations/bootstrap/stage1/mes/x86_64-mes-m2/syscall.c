/* syscall.c: system calls on x86_64 (sx's glue, after
 * lib/linux/x86-mes-m2/syscall.c).  Arguments are at rbp-8, rbp-16, ...;
 * the kernel takes the number in rax and the arguments in rdi, rsi, rdx,
 * r10, and returns the result (or a negative errno) in rax. */

int errno;

long
__sys_call (long sys_call)
{
  asm ("mov_rax,[rbp+!] !-8"
       "syscall");
}

long
__sys_call1 (long sys_call, long one)
{
  asm ("mov_rdi,[rbp+!] !-16"
       "mov_rax,[rbp+!] !-8"
       "syscall");
}

long
__sys_call2 (long sys_call, long one, long two)
{
  asm ("mov_rdi,[rbp+!] !-16"
       "mov_rsi,[rbp+!] !-24"
       "mov_rax,[rbp+!] !-8"
       "syscall");
}

long
__sys_call3 (long sys_call, long one, long two, long three)
{
  asm ("mov_rdi,[rbp+!] !-16"
       "mov_rsi,[rbp+!] !-24"
       "mov_rdx,[rbp+!] !-32"
       "mov_rax,[rbp+!] !-8"
       "syscall");
}

long
__sys_call4 (long sys_call, long one, long two, long three, long four)
{
  asm ("mov_rdi,[rbp+!] !-16"
       "mov_rsi,[rbp+!] !-24"
       "mov_rdx,[rbp+!] !-32"
       "mov_r10,[rbp+!] !-40"
       "mov_rax,[rbp+!] !-8"
       "syscall");
}

long
_sys_call (long sys_call)
{
  long r = __sys_call (sys_call);
  if (r < 0)
    {
      errno = -r;
      r = -1;
    }
  else
    errno = 0;
  return r;
}

long
_sys_call1 (long sys_call, long one)
{
  long r = __sys_call1 (sys_call, one);
  if (r < 0)
    {
      errno = -r;
      r = -1;
    }
  else
    errno = 0;
  return r;
}

long
_sys_call2 (long sys_call, long one, long two)
{
  long r = __sys_call2 (sys_call, one, two);
  if (r < 0)
    {
      errno = -r;
      r = -1;
    }
  else
    errno = 0;
  return r;
}

long
_sys_call3 (long sys_call, long one, long two, long three)
{
  long r = __sys_call3 (sys_call, one, two, three);
  if (r < 0)
    {
      errno = -r;
      r = -1;
    }
  else
    errno = 0;
  return r;
}

long
_sys_call4 (long sys_call, long one, long two, long three, long four)
{
  long r = __sys_call4 (sys_call, one, two, three, four);
  if (r < 0)
    {
      errno = -r;
      r = -1;
    }
  else
    errno = 0;
  return r;
}
