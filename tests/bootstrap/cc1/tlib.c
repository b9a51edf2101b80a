/* tlib.c: output helpers for the cc1 test programs.
 *
 * Every program in run/ is compiled after this file, by cc1 against
 * M2libc and by the host gcc against its libc, and the two outputs must
 * agree.  cc1 drops the #include lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cc1 has FUNCTION built in (M2-Planet's function pointer type); this
 * gives gcc the same name and cc1 the same type again. */
typedef int (*FUNCTION)();

/* cc1 has SCM built in, an unsigned word (M2libc's gcc_req.h gives it to gcc). */
typedef unsigned long SCM;

/* M2libc's bootstrappable.c, which gcc gets as a second file. */
void require(int bool, char* error);
int match(char* a, char* b);
int in_set(int c, char* s);
int strtoint(char* a);
char* int2str(int x, int base, int signed_p);

void put_s(char* s)
{
	fputs(s, stdout);
}

void put_c(int c)
{
	fputc(c, stdout);
}

void nl()
{
	fputc('\n', stdout);
}

void put_u(unsigned long n)
{
	char buf[32];
	int i = 0;
	do
	{
		buf[i] = '0' + n % 10;
		n = n / 10;
		i = i + 1;
	} while(n != 0);
	while(i > 0)
	{
		i = i - 1;
		fputc(buf[i], stdout);
	}
}

void put_i(long n)
{
	if(n < 0)
	{
		fputc('-', stdout);
		put_u(0 - n);
	}
	else put_u(n);
}

void put_x(unsigned long n)
{
	char* digits = "0123456789abcdef";
	char buf[32];
	int i = 0;
	do
	{
		buf[i] = digits[n % 16];
		n = n / 16;
		i = i + 1;
	} while(n != 0);
	while(i > 0)
	{
		i = i - 1;
		fputc(buf[i], stdout);
	}
}

/* name=value on a line */
void show(char* name, long v)
{
	put_s(name);
	put_c('=');
	put_i(v);
	nl();
}

void showu(char* name, unsigned long v)
{
	put_s(name);
	put_c('=');
	put_u(v);
	nl();
}
