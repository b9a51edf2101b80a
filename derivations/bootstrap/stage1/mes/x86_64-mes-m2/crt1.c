/* crt1.c: mes-m2's start-up on x86_64 (sx's glue, after
 * lib/linux/x86-mes-m2/crt1.c).  crt1.M1's _start calls __start. */

int __stdin;
int __stdout;
int __stderr;
char **environ;
int main (int argc, char **argv, char **envp);

void
__start (long argc, char **argv, char **envp)
{
  __stdin = 0;
  __stdout = 1;
  __stderr = 2;
  environ = envp;
  _exit (main (argc, argv, envp));
}
