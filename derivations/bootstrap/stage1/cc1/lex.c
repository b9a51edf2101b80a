/* lex.c: source text to tokens.
 *
 * Every file is read whole and turned into a list of tokens that the
 * parser walks.  Lines whose first non-blank character is # are
 * preprocessor lines: with --bootstrap-mode all of them are dropped
 * (the sources then have to be valid with every #if branch present);
 * otherwise `#define NAME VALUE` with an integer VALUE defines a
 * constant, #undef removes one, #include and the rest are dropped, and
 * conditionals are refused.  `// CONSTANT NAME VALUE` at the start of a
 * line always defines a constant.  Definitions become TK_DEFINE tokens
 * so that they take effect in source order. */

char* lx_text;
int lx_pos;
int lx_line;
char* lx_file;
struct token* lx_tail;


int lx_peek(int k)
{
	return lx_text[lx_pos + k] & 255;
}

int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\x0c' || c == '\x0b';
}

int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

int hex_value(int c)
{
	if(is_digit(c)) return c - '0';
	if(c >= 'a' && c <= 'f') return c - 'a' + 10;
	if(c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

struct token* lx_new(int kind)
{
	struct token* t = xalloc(sizeof(struct token));
	t->kind = kind;
	t->file = lx_file;
	t->line = lx_line;
	lx_tail->next = t;
	lx_tail = t;
	return t;
}

void lx_error(char* msg)
{
	put_err(lx_file);
	put_err(":");
	put_err(int_text(lx_line));
	put_err(": ");
	put_err(msg);
	put_err("\n");
	exit(1);
}

/* The number in s (decimal, 0x hex or 0 octal, with u/l suffixes) as a
 * 32-bit pattern.  ok[0] is 0 for malformed text or a value that needs
 * more than 32 bits, 2 when the value only fits unsigned, else 1.  The
 * value is built in 16-bit halves so that nothing overflows. */
int parse_number_text(char* s, int* ok)
{
	int base = 10;
	int i = 0;
	int hi = 0;
	int lo = 0;
	int d;
	int carry;
	int digits = 0;
	int suffix_u = 0;
	ok[0] = 0;
	if(s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
	{
		base = 16;
		i = 2;
	}
	else if(s[0] == '0') base = 8;
	while(s[i] != 0)
	{
		d = hex_value(s[i] & 255);
		if(d < 0 || d >= base) break;
		lo = lo * base + d;
		carry = lo / 65536;
		lo = lo % 65536;
		hi = hi * base + carry;
		if(hi > 65535) return 0;
		digits = digits + 1;
		i = i + 1;
	}
	if(digits == 0 && base != 8) return 0;
	while(s[i] == 'u' || s[i] == 'U' || s[i] == 'l' || s[i] == 'L')
	{
		if(s[i] == 'u' || s[i] == 'U') suffix_u = 1;
		i = i + 1;
	}
	if(s[i] != 0) return 0;
	ok[0] = 1;
	if(suffix_u || hi >= 32768) ok[0] = 2;
	if(hi >= 32768) return (hi - 65536) * 65536 + lo;
	return hi * 65536 + lo;
}

/* One escape after a backslash in a char or string literal. */
int lx_escape()
{
	int c = lx_peek(0);
	int v;
	int n;
	lx_pos = lx_pos + 1;
	if(c == 'n') return 10;
	if(c == 't') return 9;
	if(c == 'r') return 13;
	if(c == 'a') return 7;
	if(c == 'b') return 8;
	if(c == 'f') return 12;
	if(c == 'v') return 11;
	if(c == 'e') return 27;
	if(c == '\\' || c == '\'' || c == '"' || c == '?') return c;
	if(c == 'x')
	{
		v = 0;
		n = 0;
		while(hex_value(lx_peek(0)) >= 0)
		{
			v = (v * 16 + hex_value(lx_peek(0))) & 255;
			lx_pos = lx_pos + 1;
			n = n + 1;
		}
		if(n == 0) lx_error("\\x without hex digits");
		return v;
	}
	if(c >= '0' && c <= '7')
	{
		v = c - '0';
		n = 1;
		while(n < 3 && lx_peek(0) >= '0' && lx_peek(0) <= '7')
		{
			v = v * 8 + lx_peek(0) - '0';
			lx_pos = lx_pos + 1;
			n = n + 1;
		}
		return v & 255;
	}
	if(c == 0) lx_error("unterminated literal");
	lx_error("unknown escape sequence");
	return 0;
}

void lx_string()
{
	struct buffer* b = buf_new();
	struct token* t = lx_new(TK_STR);
	int c;
	lx_pos = lx_pos + 1;
	while(1)
	{
		c = lx_peek(0);
		if(c == '"') break;
		if(c == 0 || c == '\n') lx_error("unterminated string literal");
		lx_pos = lx_pos + 1;
		if(c == '\\') c = lx_escape();
		buf_byte(b, c);
	}
	lx_pos = lx_pos + 1;
	t->text = b->data;
	t->len = b->len;
}

void lx_char()
{
	struct token* t = lx_new(TK_CHAR);
	int c;
	lx_pos = lx_pos + 1;
	c = lx_peek(0);
	if(c == '\'' || c == '\n' || c == 0) lx_error("empty or unterminated character literal");
	lx_pos = lx_pos + 1;
	if(c == '\\') c = lx_escape();
	if(lx_peek(0) != '\'') lx_error("unterminated or multi-character character literal");
	lx_pos = lx_pos + 1;
	/* A char is signed: '\xff' is -1, as with gcc on x86. */
	if(c > 127) c = c - 256;
	t->value = c;
	t->text = "'";
}

void lx_number()
{
	int start = lx_pos;
	struct token* t = lx_new(TK_NUM);
	int ok;
	while(is_alnum(lx_peek(0))) lx_pos = lx_pos + 1;
	t->text = str_ndup(lx_text + start, lx_pos - start);
	t->value = parse_number_text(t->text, &ok);
	if(ok == 0) lx_error(str_cat("bad or too large number: ", t->text));
	t->is_unsigned = ok == 2;
}

void lx_ident()
{
	int start = lx_pos;
	struct token* t = lx_new(TK_IDENT);
	while(is_alnum(lx_peek(0))) lx_pos = lx_pos + 1;
	t->text = str_ndup(lx_text + start, lx_pos - start);
}

void lx_punct_token(char* p, int n)
{
	struct token* t = lx_new(TK_PUNCT);
	t->text = p;
	lx_pos = lx_pos + n;
}

/* Punctuators, longest first. */
int lx_punct()
{
	char* three[6];
	char* two[20];
	int i;
	char* p;
	three[0] = "...";
	three[1] = "<<=";
	three[2] = ">>=";
	three[3] = 0;
	two[0] = "->";
	two[1] = "++";
	two[2] = "--";
	two[3] = "<<";
	two[4] = ">>";
	two[5] = "<=";
	two[6] = ">=";
	two[7] = "==";
	two[8] = "!=";
	two[9] = "&&";
	two[10] = "||";
	two[11] = "+=";
	two[12] = "-=";
	two[13] = "*=";
	two[14] = "/=";
	two[15] = "%=";
	two[16] = "&=";
	two[17] = "|=";
	two[18] = "^=";
	two[19] = 0;
	i = 0;
	while(three[i] != 0)
	{
		p = three[i];
		if(lx_peek(0) == p[0] && lx_peek(1) == p[1] && lx_peek(2) == p[2])
		{
			lx_punct_token(p, 3);
			return 1;
		}
		i = i + 1;
	}
	i = 0;
	while(two[i] != 0)
	{
		p = two[i];
		if(lx_peek(0) == p[0] && lx_peek(1) == p[1])
		{
			lx_punct_token(p, 2);
			return 1;
		}
		i = i + 1;
	}
	p = "{}()[];,.<>+-*/%&|^!~?:=";
	i = 0;
	while(p[i] != 0)
	{
		if(lx_peek(0) == p[i])
		{
			lx_punct_token(str_ndup(p + i, 1), 1);
			return 1;
		}
		i = i + 1;
	}
	return 0;
}

/* Skip blanks inside a directive line; 0 at its end. */
int dir_skip(char* s, int i)
{
	while(is_space(s[i] & 255)) i = i + 1;
	return i;
}

/* `NAME VALUE` of #define or // CONSTANT, where VALUE is an optional
 * minus and a number or character literal, optionally in parentheses
 * and followed by a comment.  Anything else defines nothing. */
void lx_definition(char* s, int strict)
{
	int i = dir_skip(s, 0);
	int start = i;
	char* name;
	int neg = 0;
	int paren = 0;
	int ok;
	int value;
	int vstart;
	struct token* t;
	while(is_alnum(s[i] & 255)) i = i + 1;
	if(i == start || is_digit(s[start] & 255))
	{
		if(strict) lx_error("CONSTANT needs a name");
		return;
	}
	if(s[i] == '(') return;
	name = str_ndup(s + start, i - start);
	i = dir_skip(s, i);
	if(s[i] == '(')
	{
		paren = 1;
		i = dir_skip(s, i + 1);
	}
	if(s[i] == '-')
	{
		neg = 1;
		i = dir_skip(s, i + 1);
	}
	vstart = i;
	if(s[i] == '\'' && s[i + 1] != '\\' && s[i + 1] != 0 && s[i + 2] == '\'')
	{
		value = s[i + 1] & 255;
		i = i + 3;
		ok = 1;
	}
	else
	{
		while(is_alnum(s[i] & 255)) i = i + 1;
		if(i == vstart)
		{
			if(strict) lx_error("CONSTANT needs a value");
			return;
		}
		value = parse_number_text(str_ndup(s + vstart, i - vstart), &ok);
	}
	if(ok == 0)
	{
		if(strict) lx_error("bad CONSTANT value");
		return;
	}
	i = dir_skip(s, i);
	if(paren)
	{
		if(s[i] != ')') return;
		i = dir_skip(s, i + 1);
	}
	if(s[i] != 0 && !(s[i] == '/' && (s[i + 1] == '*' || s[i + 1] == '/')))
	{
		if(strict) lx_error("bad CONSTANT value");
		return;
	}
	if(neg) value = 0 - value;
	t = lx_new(TK_DEFINE);
	t->text = name;
	t->value = value;
}

/* A preprocessor line (without its #), continuation lines joined. */
void lx_directive(char* s)
{
	int i = dir_skip(s, 0);
	struct token* t;
	if(g_bootstrap) return;
	if(str_starts(s + i, "define") && is_space(s[i + 6] & 255))
	{
		lx_definition(s + i + 6, 0);
		return;
	}
	if(str_starts(s + i, "undef") && is_space(s[i + 5] & 255))
	{
		i = dir_skip(s, i + 5);
		t = lx_new(TK_UNDEF);
		t->text = s + i;
		while(is_alnum(s[i] & 255)) i = i + 1;
		s[i] = 0;
		return;
	}
	if(str_starts(s + i, "if") || str_starts(s + i, "el") || str_starts(s + i, "endif"))
	{
		lx_error("conditional directives are not supported (use --bootstrap-mode)");
	}
}

/* The rest of a # line, joining lines that end in a backslash. */
void lx_hash_line()
{
	struct buffer* b = buf_new();
	int c;
	lx_pos = lx_pos + 1;
	while(1)
	{
		c = lx_peek(0);
		if(c == 0) break;
		if(c == '\n') break;
		if(c == '\\' && lx_peek(1) == '\n')
		{
			lx_pos = lx_pos + 2;
			lx_line = lx_line + 1;
		}
		else
		{
			buf_byte(b, c);
			lx_pos = lx_pos + 1;
		}
	}
	buf_byte(b, 0);
	lx_directive(b->data);
}

void lx_line_comment(int at_line_start)
{
	int start = lx_pos + 2;
	int end;
	lx_pos = start;
	while(lx_peek(0) != '\n' && lx_peek(0) != 0) lx_pos = lx_pos + 1;
	end = lx_pos;
	if(at_line_start && str_starts(lx_text + start, " CONSTANT "))
	{
		lx_definition(str_ndup(lx_text + start + 10, end - start - 10), 1);
	}
}

void lx_block_comment()
{
	int start_line = lx_line;
	lx_pos = lx_pos + 2;
	while(1)
	{
		if(lx_peek(0) == 0)
		{
			lx_line = start_line;
			lx_error("unterminated comment");
		}
		if(lx_peek(0) == '*' && lx_peek(1) == '/') break;
		if(lx_peek(0) == '\n') lx_line = lx_line + 1;
		lx_pos = lx_pos + 1;
	}
	lx_pos = lx_pos + 2;
}

/* Tokenize one file, appending to the list that ends at tail; returns
 * the new tail. */
struct token* lex_file(char* path, struct token* tail)
{
	int len;
	int c;
	int line_start = 1;
	lx_text = read_file(path, &len);
	if(lx_text == 0) die2("cannot read ", path);
	lx_file = path;
	lx_pos = 0;
	lx_line = 1;
	lx_tail = tail;
	while(lx_pos < len)
	{
		c = lx_peek(0);
		if(c == '\n')
		{
			lx_line = lx_line + 1;
			lx_pos = lx_pos + 1;
			line_start = 1;
		}
		else if(is_space(c)) lx_pos = lx_pos + 1;
		else if(c == '#' && line_start) lx_hash_line();
		else if(c == '/' && lx_peek(1) == '/') lx_line_comment(line_start);
		else if(c == '/' && lx_peek(1) == '*') lx_block_comment();
		else
		{
			line_start = 0;
			if(is_alpha(c)) lx_ident();
			else if(is_digit(c)) lx_number();
			else if(c == '"') lx_string();
			else if(c == '\'') lx_char();
			else if(c == 0) lx_error("NUL byte in source");
			else if(!lx_punct()) lx_error(str_cat("unexpected character ", int_text(c)));
		}
	}
	return lx_tail;
}
