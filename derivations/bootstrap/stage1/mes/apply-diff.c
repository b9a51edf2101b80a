/* apply-diff: apply one file's part of a unified diff.
 *
 *   apply-diff PATCH NAME INPUT OUTPUT
 *
 * The section of PATCH whose "+++ " line names NAME (optionally after
 * "b/") is applied to INPUT and the result written to OUTPUT.  Every
 * context and removed line must match INPUT exactly, at the line the
 * hunk header states: there is no fuzz, so a patch that does not fit
 * its source fails instead of doing something else.  Errors go to
 * stderr as "apply-diff: NAME: cause", with exit status 1 and no
 * output file.  Every output line ends with a newline.
 *
 * Written for sx's stage1 in the C that cc1 compiles (M2libc's stdio).
 */

#include <stdio.h>
#include <stdlib.h>

char* int2str(int x, int base, int signed_p);

struct text
{
	char** lines;
	int* lengths;
	int count;
};

char* name;

void fail(char* cause)
{
	fputs("apply-diff: ", stderr);
	fputs(name, stderr);
	fputs(": ", stderr);
	fputs(cause, stderr);
	fputs("\n", stderr);
	exit(1);
}

/* A whole file as lines (without their newlines). */
struct text* read_lines(char* path)
{
	FILE* f = fopen(path, "r");
	struct text* t;
	char* data;
	int size = 0;
	int cap = 4096;
	int c;
	int i;
	int start;
	if(f == 0)
	{
		fputs("apply-diff: cannot read ", stderr);
		fputs(path, stderr);
		fputs("\n", stderr);
		exit(1);
	}
	data = calloc(cap, 1);
	c = fgetc(f);
	while(c != EOF)
	{
		if(size + 1 >= cap)
		{
			char* bigger = calloc(cap * 2, 1);
			for(i = 0; i < size; i = i + 1) bigger[i] = data[i];
			data = bigger;
			cap = cap * 2;
		}
		data[size] = c;
		size = size + 1;
		c = fgetc(f);
	}
	fclose(f);
	t = calloc(1, sizeof(struct text));
	t->lines = calloc(size + 2, sizeof(char*));
	t->lengths = calloc(size + 2, sizeof(int));
	start = 0;
	for(i = 0; i < size; i = i + 1)
	{
		if(data[i] == '\n')
		{
			data[i] = 0;
			t->lines[t->count] = data + start;
			t->lengths[t->count] = i - start;
			t->count = t->count + 1;
			start = i + 1;
		}
	}
	if(start < size)
	{
		t->lines[t->count] = data + start;
		t->lengths[t->count] = size - start;
		t->count = t->count + 1;
	}
	return t;
}

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

/* Whether a "+++ " line names NAME. */
int names_file(char* line)
{
	char path[4096];
	int i = 4;
	int n = 0;
	while(line[i] != 0 && line[i] != '\t' && line[i] != ' ' && n < 4095)
	{
		path[n] = line[i];
		n = n + 1;
		i = i + 1;
	}
	path[n] = 0;
	if(same(path, name)) return 1;
	return starts(path, "b/") && same(path + 2, name);
}

/* The number after position *i in s (updating *i); -1 if there is none. */
int number(char* s, int* i)
{
	int v = 0;
	int digits = 0;
	while(s[i[0]] >= '0' && s[i[0]] <= '9')
	{
		v = v * 10 + s[i[0]] - '0';
		i[0] = i[0] + 1;
		digits = digits + 1;
	}
	if(digits == 0) return -1;
	return v;
}

/* "@@ -A[,B] +C[,D] @@": the first old line (1-based) and the numbers
 * of old and new lines; a missing count is 1. */
int hunk_header(char* line, int* old_count, int* new_count)
{
	int i = 4;
	int start;
	if(!starts(line, "@@ -")) fail("malformed hunk header");
	start = number(line, &i);
	old_count[0] = 1;
	new_count[0] = 1;
	if(line[i] == ',')
	{
		i = i + 1;
		old_count[0] = number(line, &i);
	}
	if(line[i] != ' ' || line[i + 1] != '+') fail("malformed hunk header");
	i = i + 2;
	if(number(line, &i) < 0) fail("malformed hunk header");
	if(line[i] == ',')
	{
		i = i + 1;
		new_count[0] = number(line, &i);
	}
	if(start < 0 || old_count[0] < 0 || new_count[0] < 0 || !starts(line + i, " @@")) fail("malformed hunk header");
	return start;
}

void emit(struct text* t, char* line)
{
	t->lines[t->count] = line;
	t->count = t->count + 1;
}

int main(int argc, char** argv)
{
	struct text* patch;
	struct text* input;
	struct text* result;
	FILE* out;
	int p = 0;
	int in = 0;
	int start;
	int old_left;
	int new_left;
	char* line;
	int k;
	if(argc != 5)
	{
		fputs("usage: apply-diff PATCH NAME INPUT OUTPUT\n", stderr);
		exit(1);
	}
	name = argv[2];
	patch = read_lines(argv[1]);
	input = read_lines(argv[3]);
	result = calloc(1, sizeof(struct text));
	result->lines = calloc(input->count + patch->count + 1, sizeof(char*));
	while(p < patch->count && !(starts(patch->lines[p], "+++ ") && names_file(patch->lines[p]))) p = p + 1;
	if(p == patch->count) fail("not in the patch");
	p = p + 1;
	while(p < patch->count && starts(patch->lines[p], "@@ "))
	{
		start = hunk_header(patch->lines[p], &old_left, &new_left);
		if(start > 0) start = start - 1;
		if(start < in) fail("hunks overlap or are out of order");
		if(start > input->count) fail("hunk starts past the end of the file");
		while(in < start)
		{
			emit(result, input->lines[in]);
			in = in + 1;
		}
		p = p + 1;
		while(old_left > 0 || new_left > 0)
		{
			if(p >= patch->count) fail("truncated hunk");
			line = patch->lines[p];
			/* An empty line is an empty context line whose blank was trimmed. */
			if(line[0] == 0) line = " ";
			if(line[0] == ' ' || line[0] == '-')
			{
				if(in >= input->count || !same(input->lines[in], line + 1))
				{
					fputs("apply-diff: ", stderr);
					fputs(name, stderr);
					fputs(": line ", stderr);
					fputs(int2str(in + 1, 10, 1), stderr);
					fputs(" does not match the patch\n", stderr);
					exit(1);
				}
				if(line[0] == ' ')
				{
					emit(result, input->lines[in]);
					new_left = new_left - 1;
				}
				old_left = old_left - 1;
				in = in + 1;
			}
			else if(line[0] == '+')
			{
				emit(result, line + 1);
				new_left = new_left - 1;
			}
			else fail("malformed hunk line");
			if(old_left < 0 || new_left < 0) fail("hunk longer than its header says");
			p = p + 1;
			if(p < patch->count && patch->lines[p][0] == '\\') p = p + 1;
		}
	}
	while(in < input->count)
	{
		emit(result, input->lines[in]);
		in = in + 1;
	}
	/* Only a patch that applied completely is written. */
	out = fopen(argv[4], "w");
	if(out == 0) fail("cannot write the output");
	for(k = 0; k < result->count; k = k + 1)
	{
		fputs(result->lines[k], out);
		fputc('\n', out);
	}
	fclose(out);
	return 0;
}
