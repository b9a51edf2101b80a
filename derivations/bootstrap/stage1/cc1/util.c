/* util.c: memory, strings, buffers, errors and files.
 *
 * cc1 uses only exit, read, write, open, close and calloc from its
 * runtime (the C0 runtime, M2libc or the host libc); everything else is
 * here. */

char* g_arena;
int g_arena_left;

/* Zeroed memory, with at least one spare byte.  Small blocks come from
 * 1 MiB arenas (a brk-based calloc asks the kernel on every call);
 * running out of memory is a clean error, not a crash. */
void* xalloc(int n)
{
	char* p;
	n = (n + 8) / 8 * 8;
	if(n > 65536)
	{
		p = calloc(1, n);
		if(p == 0) die("out of memory");
		return p;
	}
	if(n > g_arena_left)
	{
		g_arena = calloc(1, 1048576);
		if(g_arena == 0) die("out of memory");
		g_arena_left = 1048576;
	}
	p = g_arena;
	g_arena = g_arena + n;
	g_arena_left = g_arena_left - n;
	return p;
}

int str_len(char* s)
{
	int n = 0;
	while(s[n] != 0) n = n + 1;
	return n;
}

int str_eq(char* a, char* b)
{
	int i = 0;
	while(a[i] == b[i])
	{
		if(a[i] == 0) return 1;
		i = i + 1;
	}
	return 0;
}

int str_starts(char* s, char* prefix)
{
	int i = 0;
	while(prefix[i] != 0)
	{
		if(s[i] != prefix[i]) return 0;
		i = i + 1;
	}
	return 1;
}

char* str_ndup(char* s, int n)
{
	char* r = xalloc(n + 1);
	int i = 0;
	while(i < n)
	{
		r[i] = s[i];
		i = i + 1;
	}
	r[n] = 0;
	return r;
}

char* str_dup(char* s)
{
	return str_ndup(s, str_len(s));
}

char* str_cat(char* a, char* b)
{
	int la = str_len(a);
	int lb = str_len(b);
	char* r = xalloc(la + lb + 1);
	int i = 0;
	while(i < la)
	{
		r[i] = a[i];
		i = i + 1;
	}
	i = 0;
	while(i < lb)
	{
		r[la + i] = b[i];
		i = i + 1;
	}
	r[la + lb] = 0;
	return r;
}

/* Decimal text of n; the most negative int is spelled out because its
 * negation does not exist. */
char* int_text(int n)
{
	char digits[16];
	char* r;
	int i = 0;
	int neg = 0;
	int k;
	if(n == -2147483647 - 1) return str_dup("-2147483648");
	if(n < 0)
	{
		neg = 1;
		n = 0 - n;
	}
	while(1)
	{
		digits[i] = '0' + n % 10;
		i = i + 1;
		n = n / 10;
		if(n == 0) break;
	}
	r = xalloc(i + 2);
	k = 0;
	if(neg)
	{
		r[0] = '-';
		k = 1;
	}
	while(i > 0)
	{
		i = i - 1;
		r[k] = digits[i];
		k = k + 1;
	}
	return r;
}

struct buffer* buf_new()
{
	struct buffer* b = xalloc(sizeof(struct buffer));
	b->cap = 4096;
	b->data = xalloc(b->cap);
	return b;
}

/* Make room for n more bytes, doubling so that appends stay linear. */
void buf_grow(struct buffer* b, int n)
{
	char* d;
	int i;
	if(b->len + n < b->cap) return;
	/* Sizes are ints: stop well before they could overflow. */
	if(n > 268435456 || b->len > 268435456) die("output too large");
	while(b->len + n >= b->cap) b->cap = b->cap * 2;
	d = xalloc(b->cap);
	i = 0;
	while(i < b->len)
	{
		d[i] = b->data[i];
		i = i + 1;
	}
	b->data = d;
}

void buf_byte(struct buffer* b, int c)
{
	buf_grow(b, 1);
	b->data[b->len] = c;
	b->len = b->len + 1;
}

void buf_bytes(struct buffer* b, char* s, int n)
{
	int i = 0;
	buf_grow(b, n);
	while(i < n)
	{
		b->data[b->len + i] = s[i];
		i = i + 1;
	}
	b->len = b->len + n;
}

void buf_str(struct buffer* b, char* s)
{
	buf_bytes(b, s, str_len(s));
}

void buf_append(struct buffer* dst, struct buffer* src)
{
	buf_bytes(dst, src->data, src->len);
}

void put_err(char* s)
{
	write(2, s, str_len(s));
}

/* Fatal errors: one line on stderr, exit status 1, no output file. */
void die(char* msg)
{
	put_err("cc1: ");
	put_err(msg);
	put_err("\n");
	exit(1);
}

void die2(char* msg, char* what)
{
	put_err("cc1: ");
	put_err(msg);
	put_err(what);
	put_err("\n");
	exit(1);
}

void error_at2(struct token* t, char* msg, char* what)
{
	put_err(t->file);
	put_err(":");
	put_err(int_text(t->line));
	put_err(": ");
	put_err(msg);
	put_err(what);
	put_err("\n");
	exit(1);
}

void error_at(struct token* t, char* msg)
{
	error_at2(t, msg, "");
}

/* The whole file in memory, NUL-terminated; 0 if it cannot be read. */
char* read_file(char* path, int* len_out)
{
	int fd = open(path, 0, 0);
	int cap = 65536;
	int len = 0;
	int n;
	char* data;
	char* bigger;
	int i;
	if(fd < 0) return 0;
	data = xalloc(cap);
	while(1)
	{
		if(len + 4096 >= cap)
		{
			if(cap > 268435456) die2("input file too large: ", path);
			bigger = xalloc(cap * 2);
			i = 0;
			while(i < len)
			{
				bigger[i] = data[i];
				i = i + 1;
			}
			data = bigger;
			cap = cap * 2;
		}
		n = read(fd, data + len, 4096);
		if(n < 0)
		{
			close(fd);
			return 0;
		}
		if(n == 0) break;
		len = len + n;
	}
	close(fd);
	data[len] = 0;
	len_out[0] = len;
	return data;
}

/* Create (or truncate) path and write the buffer; 1 on success. */
int write_file(char* path, struct buffer* b)
{
	int fd = open(path, 577, 420);
	int done = 0;
	int n;
	if(fd < 0) return 0;
	while(done < b->len)
	{
		n = write(fd, b->data + done, b->len - done);
		if(n <= 0)
		{
			close(fd);
			return 0;
		}
		done = done + n;
	}
	if(close(fd) < 0) return 0;
	return 1;
}

/* A string hash for the global symbol table. */
int hash_text(char* s)
{
	int h = 0;
	int i = 0;
	while(s[i] != 0)
	{
		h = (h * 31 + (s[i] & 255)) & 16777215;
		i = i + 1;
	}
	return h % HASH_SIZE;
}
