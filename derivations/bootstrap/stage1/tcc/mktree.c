/* mktree: a directory made of files.
 *
 *   mktree OUT NAME FILE [NAME FILE]...
 *
 * Creates the directory OUT and copies each FILE to OUT/NAME.  A NAME
 * may hold directories (made as needed); it must be relative and may
 * not contain an empty, "." or ".." part, so nothing lands outside OUT.
 * Errors go to stderr as "mktree: NAME: cause" with exit status 1.
 *
 * stage1 has no shell: this is how a build from the seed lays out a
 * source tree (a C compiler searches its #include files in directories).
 * Written for sx's stage1 in the C that cc1 compiles (M2libc's stdio).
 */

#include <stdio.h>
#include <stdlib.h>

/* Linux i386 mkdir(2): 0 or a negative errno. */
int sys_mkdir(char* path, int mode)
{
	asm("LOAD_EFFECTIVE_ADDRESS_ebx %8"
	    "LOAD_INTEGER_ebx"
	    "LOAD_EFFECTIVE_ADDRESS_ecx %4"
	    "LOAD_INTEGER_ecx"
	    "LOAD_IMMEDIATE_eax %39"
	    "INT_80");
}

void fail(char* name, char* cause)
{
	fputs("mktree: ", stderr);
	fputs(name, stderr);
	fputs(": ", stderr);
	fputs(cause, stderr);
	fputs("\n", stderr);
	exit(1);
}

int length(char* s)
{
	int n = 0;
	while(s[n] != 0) n = n + 1;
	return n;
}

/* A NAME is a "/"-separated list of parts, none empty, "." or "..". */
void check_name(char* name)
{
	int i = 0;
	int start = 0;
	int n;
	if(name[0] == 0) fail(name, "empty name");
	while(1)
	{
		if(name[i] == '/' || name[i] == 0)
		{
			n = i - start;
			if(n == 0) fail(name, "empty part or absolute name");
			if(n == 1 && name[start] == '.') fail(name, "'.' part");
			if(n == 2 && name[start] == '.' && name[start + 1] == '.') fail(name, "'..' part");
			if(name[i] == 0) return;
			start = i + 1;
		}
		i = i + 1;
	}
}

/* OUT/NAME as a new string. */
char* join(char* out, char* name)
{
	int a = length(out);
	int b = length(name);
	char* path = calloc(a + b + 2, 1);
	int i;
	for(i = 0; i < a; i = i + 1) path[i] = out[i];
	path[a] = '/';
	for(i = 0; i < b; i = i + 1) path[a + 1 + i] = name[i];
	return path;
}

/* Make the directories of PATH's parts after the first SKIP characters;
 * one that exists already (-17, EEXIST) is fine. */
void make_parents(char* path, int skip, char* name)
{
	int i = skip;
	int r;
	while(path[i] != 0)
	{
		if(path[i] == '/')
		{
			path[i] = 0;
			r = sys_mkdir(path, 493);
			path[i] = '/';
			if(r != 0 && r != -17) fail(name, "cannot make its directory");
		}
		i = i + 1;
	}
}

void copy(char* from, char* to, char* name)
{
	FILE* in = fopen(from, "r");
	FILE* out;
	int c;
	if(in == 0) fail(name, "cannot read the file");
	/* fopen "w" would truncate a file an earlier NAME wrote: refuse instead. */
	if(access(to, 0) == 0) fail(name, "given twice");
	out = fopen(to, "w");
	if(out == 0) fail(name, "cannot write the file");
	c = fgetc(in);
	while(c != EOF)
	{
		fputc(c, out);
		c = fgetc(in);
	}
	fclose(in);
	fclose(out);
}

int main(int argc, char** argv)
{
	int i;
	char* path;
	if(argc < 2 || (argc % 2) != 0)
	{
		fputs("usage: mktree OUT NAME FILE [NAME FILE]...\n", stderr);
		exit(1);
	}
	if(sys_mkdir(argv[1], 493) != 0) fail(argv[1], "cannot make the directory");
	for(i = 2; i < argc; i = i + 2)
	{
		check_name(argv[i]);
		path = join(argv[1], argv[i]);
		make_parents(path, length(argv[1]) + 1, argv[i]);
		copy(argv[i + 1], path, argv[i]);
	}
	return 0;
}
