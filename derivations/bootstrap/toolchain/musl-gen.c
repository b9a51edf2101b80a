/* musl-gen: the two headers musl's Makefile generates with sed.
 *
 *   musl-gen alltypes OUT IN...   bits/alltypes.h from alltypes.h.in files
 *   musl-gen syscall OUT IN       bits/syscall.h from syscall.h.in
 *
 * alltypes: each line "TYPEDEF TYPE NAME;" becomes a typedef guarded by
 * __NEED_NAME and __DEFINED_NAME; each "STRUCT NAME BODY;" and
 * "UNION NAME BODY;" a struct or union guarded by __NEED_struct_NAME (or
 * union_NAME); other lines are copied.  The IN files are read in order,
 * as one text (musl's mkalltypes.sed does the same).
 * syscall: IN, then each of its lines holding "__NR_" once more with the
 * first "__NR_" written "SYS_".  A last line without a newline stays
 * without one, as with sed.
 *
 * musl is built here without a shell, so without sed.  Errors go to
 * stderr as "musl-gen: FILE: cause" with exit status 1.  Lines longer
 * than LINE_MAX are an error, not cut.  Written for sx's stage1 in the C
 * that cc1 compiles (M2libc's stdio).
 */

#include <stdio.h>
#include <stdlib.h>

int LINE_MAX = 4096;

void fail(char* name, char* cause)
{
	fputs("musl-gen: ", stderr);
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

/* 1 if S begins with PREFIX. */
int starts(char* s, char* prefix)
{
	int i = 0;
	while(prefix[i] != 0)
	{
		if(s[i] != prefix[i]) return 0;
		i = i + 1;
	}
	return 1;
}

/* S[FROM..TO) to OUT. */
void put_range(char* s, int from, int to, FILE* out)
{
	while(from < to)
	{
		fputc(s[from], out);
		from = from + 1;
	}
}

/* The next line of IN into LINE (its newline dropped); 0 at the end of
 * the file, 1 for a line ended by a newline, 2 for a last line without. */
int read_line(FILE* in, char* line, char* name)
{
	int n = 0;
	int c = fgetc(in);
	if(c == EOF) return 0;
	while(c != EOF && c != '\n')
	{
		if(n == LINE_MAX) fail(name, "line too long");
		line[n] = c;
		n = n + 1;
		c = fgetc(in);
	}
	line[n] = 0;
	if(c == EOF) return 2;
	return 1;
}

/* "#if defined(__NEED_<KIND>NAME) && !defined(__DEFINED_<KIND>NAME)\n" */
void guard(char* kind, char* line, int from, int to, FILE* out)
{
	fputs("#if defined(__NEED_", out);
	fputs(kind, out);
	put_range(line, from, to, out);
	fputs(") && !defined(__DEFINED_", out);
	fputs(kind, out);
	put_range(line, from, to, out);
	fputs(")\n", out);
}

void define(char* kind, char* line, int from, int to, FILE* out)
{
	fputs("#define __DEFINED_", out);
	fputs(kind, out);
	put_range(line, from, to, out);
	fputs("\n#endif\n", out);
}

/* "TYPEDEF TYPE NAME;": NAME has no space, TYPE is everything before it.
 * 1 if LINE has that form (and was written), else 0. */
int typedef_line(char* line, int n, FILE* out)
{
	int space = n - 2;
	if(!starts(line, "TYPEDEF ") || n < 11 || line[n - 1] != ';') return 0;
	while(space >= 8 && line[space] != ' ') space = space - 1;
	if(space < 8) return 0;
	guard("", line, space + 1, n - 1, out);
	fputs("typedef ", out);
	put_range(line, 8, n - 1, out);
	fputs(";\n", out);
	define("", line, space + 1, n - 1, out);
	return 1;
}

/* "STRUCT NAME BODY;" (or UNION): one or more spaces after the keyword,
 * NAME has no space, BODY is the rest.  1 if LINE has that form. */
int aggregate_line(char* line, int n, char* keyword, char* kind, char* c_word, FILE* out)
{
	int i = length(keyword);
	int name;
	int end;
	if(!starts(line, keyword) || line[n - 1] != ';' || line[i] != ' ') return 0;
	while(line[i] == ' ') i = i + 1;
	name = i;
	while(i < n && line[i] != ' ') i = i + 1;
	end = i;
	if(end >= n - 1) return 0;
	guard(kind, line, name, end, out);
	fputs(c_word, out);
	put_range(line, name, n - 1, out);
	fputs(";\n", out);
	define(kind, line, name, end, out);
	return 1;
}

/* 1 if LINE is one of the forms alltypes rewrites (and was written). */
int rewritten(char* line, FILE* out)
{
	int n = length(line);
	if(n == 0) return 0;
	if(typedef_line(line, n, out)) return 1;
	if(aggregate_line(line, n, "STRUCT", "struct_", "struct ", out)) return 1;
	return aggregate_line(line, n, "UNION", "union_", "union ", out);
}

void alltypes(char* name, FILE* out, char* line)
{
	FILE* in = fopen(name, "r");
	int r;
	if(in == 0) fail(name, "cannot read the file");
	r = read_line(in, line, name);
	while(r != 0)
	{
		if(!rewritten(line, out)) fputs(line, out);
		if(r == 1) fputc('\n', out);
		r = read_line(in, line, name);
	}
	fclose(in);
}

/* The index of the first "__NR_" in LINE, or -1. */
int find_nr(char* line)
{
	int i = 0;
	while(line[i] != 0)
	{
		if(starts(line + i, "__NR_")) return i;
		i = i + 1;
	}
	return 0 - 1;
}

void syscalls(char* name, FILE* out, char* line)
{
	FILE* in = fopen(name, "r");
	int r;
	int at;
	if(in == 0) fail(name, "cannot read the file");
	r = read_line(in, line, name);
	while(r != 0)
	{
		fputs(line, out);
		if(r == 1) fputc('\n', out);
		r = read_line(in, line, name);
	}
	fclose(in);
	in = fopen(name, "r");
	if(in == 0) fail(name, "cannot read the file");
	r = read_line(in, line, name);
	while(r != 0)
	{
		at = find_nr(line);
		if(at >= 0)
		{
			put_range(line, 0, at, out);
			fputs("SYS_", out);
			fputs(line + at + 5, out);
			if(r == 1) fputc('\n', out);
		}
		r = read_line(in, line, name);
	}
	fclose(in);
}

int same(char* a, char* b)
{
	int i = 0;
	while(a[i] == b[i])
	{
		if(a[i] == 0) return 1;
		i = i + 1;
	}
	return 0;
}

int main(int argc, char** argv)
{
	int i;
	FILE* out;
	char* line = calloc(LINE_MAX + 1, 1);
	if(argc < 4 || (!same(argv[1], "alltypes") && !same(argv[1], "syscall"))
	   || (same(argv[1], "syscall") && argc != 4))
	{
		fputs("usage: musl-gen alltypes OUT IN... | musl-gen syscall OUT IN\n", stderr);
		exit(1);
	}
	if(access(argv[2], 0) == 0) fail(argv[2], "exists already");
	out = fopen(argv[2], "w");
	if(out == 0) fail(argv[2], "cannot write the file");
	if(same(argv[1], "syscall")) syscalls(argv[3], out, line);
	else
	{
		for(i = 3; i < argc; i = i + 1) alltypes(argv[i], out, line);
	}
	fclose(out);
	return 0;
}
