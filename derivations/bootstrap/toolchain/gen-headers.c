/* gen-headers: the headers builds generate with sed and shell scripts.
 *
 *   gen-headers alltypes OUT IN...          musl's bits/alltypes.h
 *   gen-headers syscall OUT IN              musl's bits/syscall.h
 *   gen-headers autoconf OUT CONFIG OFF     busybox's include/autoconf.h
 *   gen-headers insert OUT TEMPLATE PREFIX HEADER FILE...
 *
 * alltypes (musl's mkalltypes.sed): each line "TYPEDEF TYPE NAME;" becomes
 * a typedef guarded by __NEED_NAME and __DEFINED_NAME; each
 * "STRUCT NAME BODY;" and "UNION NAME BODY;" a struct or union guarded by
 * __NEED_struct_NAME (or union_NAME); other lines are copied.  The IN
 * files are read in order, as one text.
 * syscall (musl's Makefile): IN, then each of its lines holding "__NR_"
 * once more with the first "__NR_" written "SYS_".
 * autoconf (busybox's kconfig): for each symbol of the configuration
 * CONFIG ("CONFIG_X=VALUE" or "# CONFIG_X is not set" lines), the
 * CONFIG_X, ENABLE_X, IF_X and IF_NOT_X macros; a symbol named in OFF (one
 * per line, "#" lines are comments) is written as not set, and must be
 * in CONFIG.
 * insert (busybox's gen_build_files.sh): the line HEADER, then TEMPLATE
 * with its line "INSERT" replaced by every line of the FILEs that begins
 * with PREFIX, without it.
 * A last line without a newline stays without one, as with sed.
 *
 * These builds run without a shell, so without sed.  Errors go to stderr
 * as "gen-headers: FILE: cause" with exit status 1.
 * Lines longer than LINE_MAX are an error, not cut.  Written for sx's
 * stage1 in the C that cc1 compiles (M2libc's stdio).
 */

#include <stdio.h>
#include <stdlib.h>

int LINE_MAX = 4096;

void fail(char* name, char* cause)
{
	fputs("gen-headers: ", stderr);
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


/* The symbol a configuration line names: its bounds in LINE through FROM
 * and TO (pointers to ints), and 1 if set, 0 if not set, -1 if the line
 * names none. */
int config_symbol(char* line, int* from, int* to)
{
	int i;
	int set = 1;
	if(starts(line, "CONFIG_")) i = 7;
	else if(starts(line, "# CONFIG_"))
	{
		i = 9;
		set = 0;
	}
	else return 0 - 1;
	from[0] = i;
	while(line[i] != 0 && line[i] != '=' && line[i] != ' ') i = i + 1;
	to[0] = i;
	if(to[0] == from[0]) return 0 - 1;
	if(set == 1 && line[i] != '=') return 0 - 1;
	if(set == 0 && !same(line + i, " is not set")) return 0 - 1;
	return set;
}

/* Whether LINE[FROM..TO) is one of the N names in OFF; a name found is
 * marked in SEEN. */
int is_off(char* line, int from, int to, char** off, int n, int* seen)
{
	int k;
	int i;
	for(k = 0; k < n; k = k + 1)
	{
		i = 0;
		while(from + i < to && off[k][i] == line[from + i]) i = i + 1;
		if(from + i == to && off[k][i] == 0)
		{
			seen[k] = 1;
			return 1;
		}
	}
	return 0;
}

/* OFF's names: one per line, blank and "#" lines skipped. */
char** read_names(char* name, int* count, char* line)
{
	FILE* in = fopen(name, "r");
	char** names = calloc(4096, sizeof(char*));
	int n = 0;
	int r;
	int i;
	if(in == 0) fail(name, "cannot read the file");
	r = read_line(in, line, name);
	while(r != 0)
	{
		if(line[0] != 0 && line[0] != '#')
		{
			if(n == 4096) fail(name, "too many names");
			names[n] = calloc(length(line) + 1, 1);
			for(i = 0; line[i] != 0; i = i + 1) names[n][i] = line[i];
			n = n + 1;
		}
		r = read_line(in, line, name);
	}
	fclose(in);
	count[0] = n;
	return names;
}

void put_symbol(char* what, char* line, int from, int to, FILE* out)
{
	fputs(what, out);
	put_range(line, from, to, out);
}

void autoconf(char* config, char* off_file, FILE* out, char* line)
{
	int* count = calloc(1, sizeof(int));
	char** off = read_names(off_file, count, line);
	int* seen = calloc(count[0] + 1, sizeof(int));
	int* from = calloc(1, sizeof(int));
	int* to = calloc(1, sizeof(int));
	FILE* in = fopen(config, "r");
	int set;
	int k;
	if(in == 0) fail(config, "cannot read the file");
	fputs("/* Written by sx's gen-headers from a busybox configuration. */\n", out);
	fputs("#define AUTOCONF_TIMESTAMP \"\"\n\n", out);
	while(read_line(in, line, config) != 0)
	{
		set = config_symbol(line, from, to);
		if(set >= 0 && is_off(line, from[0], to[0], off, count[0], seen)) set = 0;
		if(set == 1)
		{
			put_symbol("#define CONFIG_", line, from[0], to[0], out);
			fputc(' ', out);
			if(same(line + to[0], "=y")) fputc('1', out);
			else fputs(line + to[0] + 1, out);
			put_symbol("\n#define ENABLE_", line, from[0], to[0], out);
			put_symbol(" 1\n#ifdef MAKE_SUID\n# define IF_", line, from[0], to[0], out);
			put_symbol("(...) __VA_ARGS__ \"CONFIG_", line, from[0], to[0], out);
			put_symbol("\"\n#else\n# define IF_", line, from[0], to[0], out);
			put_symbol("(...) __VA_ARGS__\n#endif\n#define IF_NOT_", line, from[0], to[0], out);
			fputs("(...)\n", out);
		}
		if(set == 0)
		{
			put_symbol("#undef CONFIG_", line, from[0], to[0], out);
			put_symbol("\n#define ENABLE_", line, from[0], to[0], out);
			put_symbol(" 0\n#define IF_", line, from[0], to[0], out);
			put_symbol("(...)\n#define IF_NOT_", line, from[0], to[0], out);
			fputs("(...) __VA_ARGS__\n", out);
		}
	}
	fclose(in);
	for(k = 0; k < count[0]; k = k + 1)
	{
		if(seen[k] == 0) fail(off[k], "not a symbol of the configuration");
	}
}

/* FILE's lines that begin with PREFIX, without it. */
void prefixed_lines(char* name, char* prefix, FILE* out, char* line)
{
	FILE* in = fopen(name, "r");
	int n = length(prefix);
	int r;
	if(in == 0) fail(name, "cannot read the file");
	r = read_line(in, line, name);
	while(r != 0)
	{
		if(starts(line, prefix))
		{
			fputs(line + n, out);
			fputc('\n', out);
		}
		r = read_line(in, line, name);
	}
	fclose(in);
}

void insert(char** argv, int argc, FILE* out, char* line)
{
	char* template = argv[3];
	FILE* in = fopen(template, "r");
	int r;
	int i;
	int found = 0;
	if(in == 0) fail(template, "cannot read the file");
	fputs(argv[5], out);
	fputc('\n', out);
	r = read_line(in, line, template);
	while(r != 0)
	{
		if(found == 0 && same(line, "INSERT"))
		{
			found = 1;
			for(i = 6; i < argc; i = i + 1) prefixed_lines(argv[i], argv[4], out, line);
		}
		else
		{
			fputs(line, out);
			if(r == 1) fputc('\n', out);
		}
		r = read_line(in, line, template);
	}
	fclose(in);
	if(found == 0) fail(template, "has no INSERT line");
}

void usage()
{
	fputs("usage: gen-headers alltypes OUT IN... | syscall OUT IN | autoconf OUT CONFIG OFF"
	      " | insert OUT TEMPLATE PREFIX HEADER FILE...\n", stderr);
	exit(1);
}

int main(int argc, char** argv)
{
	int i;
	FILE* out;
	char* line = calloc(LINE_MAX + 1, 1);
	if(argc < 4) usage();
	if(same(argv[1], "syscall") && argc != 4) usage();
	if(same(argv[1], "autoconf") && argc != 5) usage();
	if(same(argv[1], "insert") && argc < 6) usage();
	if(!same(argv[1], "alltypes") && !same(argv[1], "syscall") && !same(argv[1], "autoconf")
	   && !same(argv[1], "insert")) usage();
	if(access(argv[2], 0) == 0) fail(argv[2], "exists already");
	out = fopen(argv[2], "w");
	if(out == 0) fail(argv[2], "cannot write the file");
	if(same(argv[1], "syscall")) syscalls(argv[3], out, line);
	if(same(argv[1], "autoconf")) autoconf(argv[3], argv[4], out, line);
	if(same(argv[1], "insert")) insert(argv, argc, out, line);
	if(same(argv[1], "alltypes"))
	{
		for(i = 3; i < argc; i = i + 1) alltypes(argv[i], out, line);
	}
	fclose(out);
	return 0;
}
