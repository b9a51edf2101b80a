/* decl.c: types, declarators and top-level declarations.
 *
 * Global variables are collected and emitted at the end, so that a
 * tentative definition (`long x;` in a header and again in a .c file),
 * an extern declaration and the one definition with an initializer
 * give one object.  Functions are emitted as their bodies are parsed. */

int g_extern;
int g_static;
struct symbol* g_global_list;
struct symbol* g_global_last;

int is_qualifier(struct token* t)
{
	return word_is(t, "const") || word_is(t, "volatile") || word_is(t, "register")
		|| word_is(t, "static") || word_is(t, "extern") || word_is(t, "inline")
		|| word_is(t, "auto");
}

int is_type_word(struct token* t)
{
	return word_is(t, "void") || word_is(t, "char") || word_is(t, "short")
		|| word_is(t, "int") || word_is(t, "long") || word_is(t, "unsigned")
		|| word_is(t, "signed") || word_is(t, "struct") || word_is(t, "union");
}

struct symbol* typedef_named(struct token* t)
{
	struct symbol* s;
	if(t->kind != TK_IDENT) return 0;
	if(local_lookup(t->text) != 0) return 0;
	s = global_lookup(t->text);
	if(s == 0) return 0;
	if(s->kind != SY_TYPEDEF) return 0;
	return s;
}

int starts_type(struct token* t)
{
	return is_qualifier(t) || is_type_word(t) || typedef_named(t) != 0;
}

void struct_members(struct type* t)
{
	struct type* base;
	struct type* mt;
	struct type* m;
	struct type* last = 0;
	char* name;
	struct token* at;
	t->members = 0;
	while(!accept("}"))
	{
		if(tok->kind == TK_EOF) error_at(tok, "unterminated struct or union");
		at = tok;
		base = parse_base_type();
		while(1)
		{
			name = 0;
			if(tok_is(";")) mt = base;
			else mt = parse_declarator(base, &name, &at);
			if(tok_is(":")) error_at(tok, "bit-fields are not supported");
			if(mt->kind == TY_VOID || (mt->kind == TY_STRUCT && !mt->complete)) error_at(at, "member of incomplete type");
			if(mt->kind == TY_ARRAY && mt->count < 0) error_at(at, "member array needs a size");
			if(name == 0 && mt->kind != TY_STRUCT) error_at(at, "member name expected");
			if(name != 0 && find_member(t, name) != 0) error_at2(at, "duplicate member ", name);
			m = new_type(TY_MEMBER, 0, 0);
			m->name = name;
			m->base = mt;
			if(last == 0) t->members = m;
			else last->members = m;
			last = m;
			if(!accept(",")) break;
		}
		expect(";");
	}
	struct_layout(t);
}

struct type* struct_spec(int is_union)
{
	struct token* at = tok;
	char* name = 0;
	struct type* t;
	enter(at);
	if(tok->kind == TK_IDENT)
	{
		name = tok->text;
		next();
	}
	if(name == 0)
	{
		if(!tok_is("{")) error_at(at, "struct or union needs a name or a body");
		t = new_type(TY_STRUCT, 0, 1);
		t->is_union = is_union;
		t->complete = 0;
	}
	else
	{
		t = struct_tag(name, is_union, tok_is("{"));
		if(t == 0) error_at2(at, "struct and union with the same name: ", name);
	}
	if(accept("{")) struct_members(t);
	g_depth = g_depth - 1;
	return t;
}

/* Specifiers and qualifiers up to the declarator.  Sets g_extern and
 * g_static for the declaration. */
struct type* parse_base_type()
{
	int is_unsigned = 0;
	int seen_sign = 0;
	int longs = 0;
	int is_short = 0;
	struct type* t = 0;
	struct token* at = tok;
	struct symbol* td;
	int words = 0;
	g_extern = 0;
	g_static = 0;
	while(1)
	{
		if(is_qualifier(tok))
		{
			if(word_is(tok, "extern")) g_extern = 1;
			if(word_is(tok, "static")) g_static = 1;
			next();
			continue;
		}
		else if(word_is(tok, "unsigned"))
		{
			is_unsigned = 1;
			seen_sign = 1;
		}
		else if(word_is(tok, "signed")) seen_sign = 1;
		else if(word_is(tok, "long")) longs = longs + 1;
		else if(word_is(tok, "short")) is_short = 1;
		else if(word_is(tok, "int")) words = words + 1;
		else if(word_is(tok, "char"))
		{
			if(t != 0) error_at(tok, "two types in one declaration");
			t = ty_char;
		}
		else if(word_is(tok, "void"))
		{
			if(t != 0) error_at(tok, "two types in one declaration");
			t = ty_void;
		}
		else if(word_is(tok, "struct") || word_is(tok, "union"))
		{
			if(t != 0) error_at(tok, "two types in one declaration");
			next();
			t = struct_spec(word_is(last_tok, "union"));
			words = words + 1;
			continue;
		}
		else
		{
			td = typedef_named(tok);
			if(td == 0 || t != 0 || seen_sign || longs || is_short || words) break;
			t = td->type;
		}
		words = words + 1;
		next();
	}
	if(words == 0 && !seen_sign && longs == 0) error_at2(at, "type expected before ", tok_desc(at));
	if(is_short) error_at(at, "short is not supported");
	if(t == ty_char)
	{
		if(is_unsigned) return ty_uchar;
		return ty_char;
	}
	if(t != 0)
	{
		if(seen_sign || longs) error_at(at, "signed, unsigned or long with a type that takes none");
		return t;
	}
	if(longs > 2) error_at(at, "too many longs");
	if(longs == 2 && g_arch == ARCH_X86) error_at(at, "long long is not supported on x86");
	if(longs > 0)
	{
		if(is_unsigned) return ty_ulong;
		return ty_long;
	}
	if(is_unsigned) return ty_uint;
	return ty_int;
}

void skip_qualifiers()
{
	while(word_is(tok, "const") || word_is(tok, "volatile")) next();
}

/* Skip a parameter list in a declarator such as (*f)(int, char*). */
void skip_params()
{
	int depth = 1;
	expect("(");
	while(depth > 0)
	{
		if(tok->kind == TK_EOF) error_at(tok, "unterminated parameter list");
		if(tok_is("(")) depth = depth + 1;
		if(tok_is(")")) depth = depth - 1;
		next();
	}
}

/* Pointers, the name (if name_out is given and there is one) and array
 * dimensions.  `(*name)(params)` declares a function pointer, which is
 * the type FUNCTION.  An array without a size has count -1. */
struct type* parse_declarator(struct type* base, char** name_out, struct token** where_out)
{
	struct type* t = base;
	int dims[8];
	int ndims = 0;
	if(where_out != 0) where_out[0] = tok;
	if(name_out != 0) name_out[0] = 0;
	skip_qualifiers();
	while(accept("*"))
	{
		t = pointer_to(t);
		skip_qualifiers();
	}
	if(tok_is("(") && punct_is(peek(), "*"))
	{
		next();
		next();
		skip_qualifiers();
		if(tok->kind == TK_IDENT)
		{
			if(name_out == 0) error_at(tok, "unexpected name in a type");
			if(where_out != 0) where_out[0] = tok;
			name_out[0] = tok->text;
			next();
		}
		expect(")");
		skip_params();
		return ty_func;
	}
	if(tok->kind == TK_IDENT)
	{
		if(name_out == 0) error_at2(tok, "unexpected name in a type: ", tok->text);
		if(where_out != 0) where_out[0] = tok;
		name_out[0] = tok->text;
		next();
	}
	while(accept("["))
	{
		if(ndims == 8) error_at(tok, "too many array dimensions");
		if(tok_is("]")) dims[ndims] = -1;
		else
		{
			dims[ndims] = const_expression();
			if(dims[ndims] < 0) error_at(tok, "negative array size");
		}
		if(dims[ndims] < 0 && ndims > 0) error_at(tok, "only the first array dimension may be left out");
		expect("]");
		ndims = ndims + 1;
	}
	while(ndims > 0)
	{
		ndims = ndims - 1;
		if(t->kind == TY_VOID || (t->kind == TY_STRUCT && !t->complete)) error_at(tok, "array of incomplete type");
		t = array_of(t, dims[ndims]);
	}
	return t;
}

void parse_typedef()
{
	struct type* base;
	struct type* t;
	char* name;
	struct token* at;
	struct symbol* s;
	next();
	base = parse_base_type();
	while(1)
	{
		t = parse_declarator(base, &name, &at);
		if(name == 0) error_at(at, "typedef needs a name");
		s = global_add(name, SY_TYPEDEF, at);
		s->type = t;
		if(!accept(",")) break;
	}
	expect(";");
}

/* A global variable: declared (and defined) here, emitted by
 * emit_globals at the end.  Initializers: a constant expression, a string literal (a char
 * array's contents or a char pointer's target) or the address of a
 * global or function (&name or a function's name). */
void global_variable(struct type* t, char* name, struct token* at)
{
	struct symbol* s = global_lookup(name);
	struct symbol* target;
	struct token* init_at;
	if(t->kind == TY_VOID) error_at2(at, "variable of type void: ", name);
	if(s != 0 && s->kind != SY_GLOBAL) s = 0;
	if(s == 0)
	{
		s = global_add(name, SY_GLOBAL, at);
		s->type = t;
		if(g_global_last == 0) g_global_list = s;
		else g_global_last->chain = s;
		g_global_last = s;
	}
	else if(t->kind == TY_ARRAY && t->count >= 0) s->type = t;
	/* extern is ignored, as M2-Planet does: mes's sources declare
	 * their globals only as extern (gcc builds define them through
	 * src/globals.c, which the M2 build leaves out). */
	s->defined = 1;
	if(!accept("=")) return;
	init_at = tok;
	s->defined = 1;
	if(s->init_kind != INIT_NONE) error_at2(init_at, "second initializer for ", name);
	if(tok->kind == TK_STR)
	{
		global_string_init(s);
		return;
	}
	if(!is_scalar(s->type)) error_at(init_at, "only scalars and char arrays can be initialized");
	if(accept("&") || tok->kind == TK_IDENT)
	{
		target = 0;
		if(tok->kind == TK_IDENT) target = global_lookup(tok->text);
		if(target != 0 && (target->kind == SY_GLOBAL || target->kind == SY_FUNC))
		{
			s->init_kind = INIT_ADDRESS;
			s->init_name = tok->text;
			s->init_len = target->kind;
			next();
			return;
		}
		if(last_tok->kind == TK_PUNCT) error_at(init_at, "& needs a global variable or function");
	}
	s->init_kind = INIT_INT;
	s->value = const_expression();
}

void global_string_init(struct symbol* s)
{
	struct buffer* b = buf_new();
	struct type* t = s->type;
	while(tok->kind == TK_STR)
	{
		buf_bytes(b, tok->text, tok->len);
		next();
	}
	s->init_kind = INIT_STRING;
	s->init_bytes = b->data;
	s->init_len = b->len;
	if(t->kind == TY_ARRAY)
	{
		if(t->base->size != 1) error_at(last_tok, "string initializer for an array that is not of char");
		if(t->count < 0) s->type = array_of(t->base, b->len + 1);
		else if(t->count < b->len) error_at(last_tok, "string initializer longer than its array");
		return;
	}
	if(t->kind != TY_PTR) error_at(last_tok, "string initializer for something that is not a char pointer or array");
	s->value = string_literal(b->data, b->len);
}

/* n bytes of value v, little endian (sign bits beyond 32). */
void data_value(int v, int n)
{
	char* hex = "0123456789ABCDEF";
	int i = 0;
	int byte;
	emit("'");
	while(i < n)
	{
		if(i < 4) byte = (v >> (8 * i)) & 255;
		else if(v < 0) byte = 255;
		else byte = 0;
		buf_byte(g_cur, hex[byte / 16]);
		buf_byte(g_cur, hex[byte % 16]);
		i = i + 1;
	}
	emit("'\n");
}

void data_zeros(int n)
{
	int chunk;
	while(n > 0)
	{
		chunk = n;
		if(chunk > 32) chunk = 32;
		data_value(0, chunk);
		n = n - chunk;
	}
}

void data_address(char* prefix, char* name)
{
	emit("&");
	emit(prefix);
	emit(name);
	if(g_word == 8) emit(" '00000000'");
	emit("\n");
}

void emit_global(struct symbol* s)
{
	struct type* t = s->type;
	int i;
	if(t->kind == TY_ARRAY && t->count < 0) error_at2(s->where, "array size missing for ", s->name);
	if(t->kind == TY_STRUCT && !t->complete) error_at2(s->where, "variable of incomplete type: ", s->name);
	emit(":GLOBAL_");
	emit(s->name);
	emit("\n");
	if(s->init_kind == INIT_NONE) data_zeros(t->size);
	else if(s->init_kind == INIT_INT) data_value(s->value, t->size);
	else if(s->init_kind == INIT_ADDRESS)
	{
		if(s->init_len == SY_FUNC) data_address("FUNCTION_", s->init_name);
		else data_address("GLOBAL_", s->init_name);
	}
	else if(t->kind == TY_ARRAY)
	{
		i = 0;
		while(i < s->init_len)
		{
			data_value(s->init_bytes[i], 1);
			i = i + 1;
		}
		data_zeros(t->size - s->init_len);
	}
	else
	{
		emit("&_S");
		emit(int_text(s->value));
		if(g_word == 8) emit(" '00000000'");
		emit("\n");
	}
}

/* Every defined global, in the order of first declaration. */
void emit_globals()
{
	struct symbol* s = g_global_list;
	g_cur = g_data;
	while(s != 0)
	{
		if(s->defined) emit_global(s);
		s = s->chain;
	}
}

/* The parameter list of a function declarator; tok is at "(".
 * Parameters become locals at ebp - word*(i+1).  Returns the number of
 * parameters, -1 for "()" (unknown). */
int parse_params(struct symbol** params_out, int* variadic_out)
{
	int n = 0;
	struct type* base;
	struct type* t;
	char* name;
	struct token* at;
	struct symbol* p;
	struct symbol* last = 0;
	params_out[0] = 0;
	variadic_out[0] = 0;
	expect("(");
	if(accept(")")) return -1;
	if(word_is(tok, "void") && punct_is(peek(), ")"))
	{
		next();
		next();
		return 0;
	}
	while(1)
	{
		if(accept("..."))
		{
			variadic_out[0] = 1;
			break;
		}
		base = parse_base_type();
		t = parse_declarator(base, &name, &at);
		if(t->kind == TY_ARRAY) t = pointer_to(t->base);
		if(t->kind == TY_STRUCT) error_at(at, "struct parameters are not supported (pass a pointer)");
		if(t->kind == TY_VOID) error_at(at, "parameter of type void");
		p = xalloc(sizeof(struct symbol));
		p->name = name;
		p->kind = SY_LOCAL;
		p->type = t;
		p->where = at;
		n = n + 1;
		p->offset = 0 - n * g_word;
		if(last == 0) params_out[0] = p;
		else last->next = p;
		last = p;
		if(!accept(",")) break;
	}
	expect(")");
	return n;
}

/* A function declaration or definition; tok is at "(".  Returns 1
 * if it had a body. */
int function_declaration(struct type* ret, char* name, struct token* at)
{
	struct symbol* params;
	int variadic;
	int n = parse_params(&params, &variadic);
	struct symbol* f = global_lookup(name);
	if(ret->kind == TY_STRUCT || ret->kind == TY_ARRAY) error_at2(at, "functions cannot return structs or arrays: ", name);
	if(f != 0 && f->kind != SY_FUNC) f = 0;
	/* The first declaration's return type stays: mes declares
	 * `ssize_t _write ();` and defines `void _write (...)` in asm. */
	if(f == 0 || f->offset == 1)
	{
		if(f == 0) f = global_add(name, SY_FUNC, at);
		f->type = ret;
	}
	f->offset = 0;
	if(n >= 0 || f->defined == 0)
	{
		f->nparams = n;
		f->variadic = variadic;
	}
	if(!tok_is("{")) return 0;
	/* A second definition is emitted under the same label, and hex2
	 * lets the last definition of a label count: M2libc defines memset
	 * in both stdlib.c and string.c. */
	f->defined = 1;
	f->where = at;
	if(n < 0) n = 0;
	/* The startup code calls main with argc, argv and envp whatever
	 * main declares: its return address is below all three. */
	if(str_eq(name, "main") && n < 3) n = 3;
	g_nparams = n;
	function_body(f, params);
	return 1;
}

void top_level_declaration()
{
	struct type* base = parse_base_type();
	struct type* t;
	char* name;
	struct token* at;
	if(accept(";")) return;
	while(1)
	{
		t = parse_declarator(base, &name, &at);
		if(name == 0) error_at2(at, "name expected before ", tok_desc(at));
		if(tok_is("("))
		{
			if(function_declaration(t, name, at)) return;
		}
		else
		{
			global_variable(t, name, at);
		}
		if(!accept(",")) break;
	}
	expect(";");
}

/* asm("line", "line"...) or asm("line" "line"...): each string is one
 * line of M1 text. */
void asm_statement()
{
	next();
	expect("(");
	while(tok->kind == TK_STR)
	{
		emit("\t");
		if(g_nocode == 0) buf_bytes(g_cur, tok->text, tok->len);
		emit("\n");
		next();
		accept(",");
	}
	expect(")");
	expect(";");
}

void parse_top_level()
{
	while(tok->kind != TK_EOF)
	{
		g_cur = g_code;
		if(accept(";")) continue;
		if(word_is(tok, "typedef")) parse_typedef();
		else if(word_is(tok, "asm")) asm_statement();
		else top_level_declaration();
	}
}
