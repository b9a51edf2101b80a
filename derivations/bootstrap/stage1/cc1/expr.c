/* expr.c: expressions, compiled as they are parsed.
 *
 * Each parsing function returns the type of the value it computed.  If
 * g_lvalue is set, eax holds the address of an object of that type and
 * nothing has been loaded yet: assignment, &, ++ and member access use
 * the address, everything else calls rvalue() first.
 *
 * Pointer arithmetic has M2-Planet's meaning, the sources for M2-Planet
 * rely on it: pointer + n and pointer - n move by n bytes, pointer -
 * pointer is the distance in bytes; only p[i] scales by the size of
 * *p. */

struct token* last_tok;

/* The pseudo-tokens for #define, #undef and // CONSTANT take effect
 * when the parser reaches them. */
void skip_definitions()
{
	struct symbol* s;
	while(tok->kind == TK_DEFINE || tok->kind == TK_UNDEF)
	{
		if(tok->kind == TK_DEFINE) define_constant(tok->text, tok->value, tok);
		else
		{
			s = global_lookup(tok->text);
			if(s != 0)
			{
				if(s->kind == SY_CONST) s->kind = SY_GONE;
			}
		}
		tok = tok->next;
	}
}

void define_constant(char* name, int value, struct token* where)
{
	struct symbol* s = global_add(name, SY_CONST, where);
	s->value = value;
	s->type = ty_int;
}

void next()
{
	last_tok = tok;
	if(tok->kind != TK_EOF) tok = tok->next;
	skip_definitions();
}

/* The token after tok, definitions skipped. */
struct token* peek()
{
	struct token* t = tok->next;
	while(t->kind == TK_DEFINE || t->kind == TK_UNDEF) t = t->next;
	return t;
}

int punct_is(struct token* t, char* p)
{
	return t->kind == TK_PUNCT && str_eq(t->text, p);
}

int tok_is(char* p)
{
	return punct_is(tok, p);
}

int word_is(struct token* t, char* w)
{
	return t->kind == TK_IDENT && str_eq(t->text, w);
}

int accept(char* p)
{
	if(tok_is(p))
	{
		next();
		return 1;
	}
	return 0;
}

char* tok_desc(struct token* t)
{
	if(t->kind == TK_EOF) return "end of input";
	if(t->kind == TK_STR) return "string literal";
	if(t->kind == TK_CHAR) return "character literal";
	return t->text;
}

void expect(char* p)
{
	if(!accept(p)) error_at2(tok, str_cat(str_cat("expected '", p), "' before "), tok_desc(tok));
}

/* The usual arithmetic conversions: char promotes to int, a pointer
 * counts as an unsigned word; the wider type wins, and at equal width
 * unsigned wins. */
struct type* promote(struct type* t)
{
	if(t->kind == TY_PTR) return ty_ulong;
	if(t->size < 4) return ty_int;
	return t;
}

struct type* common_type(struct type* a, struct type* b)
{
	a = promote(a);
	b = promote(b);
	if(a->size > b->size) return a;
	if(b->size > a->size) return b;
	if(a->is_unsigned) return a;
	return b;
}

struct type* rvalue(struct type* t)
{
	if(!g_lvalue)
	{
		if(t->kind == TY_FUNC) return ty_func;
		return t;
	}
	g_lvalue = 0;
	if(t->kind == TY_ARRAY) return pointer_to(t->base);
	if(t->kind == TY_FUNC) return ty_func;
	if(t->kind == TY_STRUCT) error_at(last_tok, "a struct or union cannot be used as a value");
	if(t->kind == TY_VOID) error_at(last_tok, "void value used");
	gen_load(t);
	return t;
}

struct type* need_scalar(struct type* t)
{
	t = rvalue(t);
	if(t->kind == TY_VOID) error_at(last_tok, "void value used");
	if(!is_scalar(t)) error_at(last_tok, "scalar value expected");
	return t;
}

/* eax = ebx OP eax for an arithmetic or comparison operator; lt and rt
 * are the operands' types; returns the result type. */
struct type* arith(char* op, struct type* lt, struct type* rt, struct token* at)
{
	struct type* ct;
	if(!is_scalar(lt) || !is_scalar(rt)) error_at2(at, "invalid operands to ", op);
	if(str_eq(op, "==") || str_eq(op, "!=") || str_eq(op, "<") || str_eq(op, "<=") || str_eq(op, ">") || str_eq(op, ">="))
	{
		gen_compare(op, common_type(lt, rt));
		return ty_int;
	}
	if(str_eq(op, "+") || str_eq(op, "-"))
	{
		if(lt->kind == TY_PTR && rt->kind == TY_PTR)
		{
			if(str_eq(op, "+")) error_at(at, "cannot add two pointers");
			gen_binary(op, ty_long);
			return ty_long;
		}
		if(lt->kind == TY_PTR)
		{
			gen_binary(op, ty_ulong);
			return lt;
		}
		if(rt->kind == TY_PTR && str_eq(op, "+"))
		{
			gen_binary(op, ty_ulong);
			return rt;
		}
	}
	if(str_eq(op, "<<") || str_eq(op, ">>"))
	{
		ct = promote(lt);
		gen_binary(op, ct);
		return ct;
	}
	ct = common_type(lt, rt);
	gen_binary(op, ct);
	return ct;
}

int binary_prec(struct token* t)
{
	char* p;
	if(t->kind != TK_PUNCT) return 0;
	p = t->text;
	if(str_eq(p, "*") || str_eq(p, "/") || str_eq(p, "%")) return 10;
	if(str_eq(p, "+") || str_eq(p, "-")) return 9;
	if(str_eq(p, "<<") || str_eq(p, ">>")) return 8;
	if(str_eq(p, "<") || str_eq(p, "<=") || str_eq(p, ">") || str_eq(p, ">=")) return 7;
	if(str_eq(p, "==") || str_eq(p, "!=")) return 6;
	if(str_eq(p, "&")) return 5;
	if(str_eq(p, "^")) return 4;
	if(str_eq(p, "|")) return 3;
	if(str_eq(p, "&&")) return 2;
	if(str_eq(p, "||")) return 1;
	return 0;
}

struct type* unary();
struct type* conditional();

/* a && b and a || b: 0 or 1, the right side evaluated only if needed. */
struct type* logical(int is_and, struct type* t, int prec)
{
	int skip = new_label();
	int end = new_label();
	need_scalar(t);
	gen_test_jump(is_and, skip);
	need_scalar(binary(prec + 1));
	gen_test_jump(is_and, skip);
	gen_const(is_and, 0);
	gen_jump(end);
	emit_label("_L", skip);
	gen_const(!is_and, 0);
	emit_label("_L", end);
	return ty_int;
}

struct type* binary(int min_prec)
{
	struct type* t = unary();
	struct type* rt;
	struct token* op;
	int prec;
	while(1)
	{
		prec = binary_prec(tok);
		if(prec == 0 || prec < min_prec) return t;
		op = tok;
		next();
		if(str_eq(op->text, "&&")) t = logical(1, t, prec);
		else if(str_eq(op->text, "||")) t = logical(0, t, prec);
		else
		{
			t = need_scalar(t);
			gen_push();
			rt = need_scalar(binary(prec + 1));
			gen_pop_b();
			t = arith(op->text, t, rt, op);
		}
	}
	return t;
}

struct type* conditional()
{
	struct type* t = binary(1);
	struct type* t1;
	struct type* t2;
	int other;
	int end;
	if(!tok_is("?")) return t;
	need_scalar(t);
	enter(tok);
	next();
	other = new_label();
	end = new_label();
	gen_test_jump(1, other);
	t1 = rvalue(expression());
	gen_jump(end);
	expect(":");
	emit_label("_L", other);
	t2 = rvalue(conditional());
	emit_label("_L", end);
	g_depth = g_depth - 1;
	if(t1->kind == TY_PTR) return t1;
	if(t2->kind == TY_PTR) return t2;
	if(is_integer(t1) && is_integer(t2))
	{
		t = common_type(t1, t2);
		gen_convert(ty_long, t);
		return t;
	}
	return t1;
}

int is_assign_op(struct token* t)
{
	char* p;
	if(t->kind != TK_PUNCT) return 0;
	p = t->text;
	if(str_eq(p, "=")) return 1;
	if(str_len(p) < 2) return 0;
	return p[str_len(p) - 1] == '=' && !str_eq(p, "==") && !str_eq(p, "!=") && !str_eq(p, "<=") && !str_eq(p, ">=");
}

struct type* assignment()
{
	struct type* t = conditional();
	struct type* rt;
	struct token* op;
	char* base_op;
	if(!is_assign_op(tok)) return t;
	op = tok;
	enter(op);
	if(!g_lvalue) error_at(op, "assignment to something that is not a variable");
	if(!is_scalar(t)) error_at(op, "assignment to an array, struct or function");
	g_lvalue = 0;
	next();
	gen_push();
	if(str_eq(op->text, "="))
	{
		rt = need_scalar(assignment());
	}
	else
	{
		base_op = str_ndup(op->text, str_len(op->text) - 1);
		gen_load(t);
		gen_push();
		rt = need_scalar(assignment());
		gen_pop_b();
		rt = arith(base_op, t, rt, op);
	}
	gen_pop_b();
	gen_store(t);
	g_depth = g_depth - 1;
	return t;
}

struct type* expression()
{
	struct type* t = assignment();
	while(tok_is(","))
	{
		rvalue(t);
		next();
		t = assignment();
	}
	return t;
}

/* ++x, --x, x++, x--: the address is in eax. */
void inc_dec(struct type* t, int delta, int post, struct token* at)
{
	int step = delta;
	if(!g_lvalue || !is_scalar(t)) error_at(at, "++ or -- needs a scalar variable");
	g_lvalue = 0;
	if(g_arch == ARCH_X86) emit_op("mov_ebx,eax");
	else emit_op("mov_rbx,rax");
	if(g_arch == ARCH_X86) emit_op("push_ebx");
	else emit_op("push_rbx");
	gen_load(t);
	gen_pop_b();
	if(post) gen_push();
	gen_add_const(step);
	gen_store(t);
	if(post) emit_op(i_pop_a);
}

struct type* call(struct type* callee, struct symbol* f, char* name, struct token* at);

struct type* string_value()
{
	struct buffer* b = buf_new();
	while(tok->kind == TK_STR)
	{
		buf_bytes(b, tok->text, tok->len);
		next();
	}
	if(g_nocode == 0) gen_string_addr(string_literal(b->data, b->len));
	g_lvalue = 1;
	return array_of(ty_char, b->len + 1);
}

/* An identifier used as a value. */
struct type* identifier()
{
	struct token* at = tok;
	char* name = tok->text;
	struct symbol* s = lookup(name);
	next();
	if(s == 0)
	{
		if(tok_is("(")) return call(0, 0, name, at);
		error_at2(at, "undeclared identifier ", name);
	}
	if(s->kind == SY_CONST)
	{
		gen_const(s->value, 0);
		return ty_int;
	}
	if(s->kind == SY_TYPEDEF) error_at2(at, "type name used as a value: ", name);
	if(s->kind == SY_FUNC)
	{
		s->used = 1;
		if(tok_is("(")) return call(0, s, name, at);
		gen_func_addr(name);
		g_lvalue = 1;
		return ty_func->base;
	}
	if(s->kind == SY_LOCAL) gen_frame_addr(s->offset);
	else gen_global_addr(name);
	g_lvalue = 1;
	return s->type;
}

/* A call.  f is the function for a direct call by name (0 if it is
 * not declared yet); otherwise the callee's address is in eax and is
 * kept on the stack while the arguments are computed. */
struct type* call(struct type* callee, struct symbol* f, char* name, struct token* at)
{
	int nargs = 0;
	struct type* t;
	if(name == 0)
	{
		t = rvalue(callee);
		if(!is_scalar(t)) error_at(at, "called object is not a function");
		gen_push();
	}
	else if(f == 0)
	{
		/* Not declared yet: it must be defined later (checked at the end). */
		f = global_add(name, SY_FUNC, at);
		f->type = ty_long;
		f->nparams = -1;
		f->used = 1;
		f->offset = 1;
	}
	gen_call_begin();
	expect("(");
	if(!tok_is(")"))
	{
		while(1)
		{
			need_scalar(assignment());
			gen_call_arg();
			nargs = nargs + 1;
			if(!accept(",")) break;
		}
	}
	expect(")");
	if(name == 0)
	{
		/* The callee sits just above the saved edi and ebp. */
		if(g_arch == ARCH_X86) emit_op("mov_eax,edi");
		else emit_op("mov_rax,rdi");
		gen_add_const(2 * g_word);
		emit_op(i_load_word);
		gen_call_indirect(nargs);
		gen_pop_b();
		return ty_long;
	}
	if(f->nparams >= 0 && nargs != f->nparams && !(f->variadic && nargs > f->nparams))
	{
		error_at2(at, "wrong number of arguments to ", name);
	}
	gen_call_direct(name, nargs);
	return f->type;
}

struct type* member(struct type* t, struct token* at)
{
	struct type* m;
	if(t->kind != TY_STRUCT) error_at(at, "member access on something that is not a struct or union");
	if(!t->complete) error_at(at, "member access on an incomplete struct or union");
	if(tok->kind != TK_IDENT) error_at(tok, "member name expected");
	m = find_member(t, tok->text);
	if(m == 0) error_at2(tok, "no such member: ", tok->text);
	next();
	gen_add_const(m->offset);
	g_lvalue = 1;
	return m->base;
}

struct type* postfix(struct type* t)
{
	struct type* it;
	struct token* at;
	while(1)
	{
		at = tok;
		if(accept("["))
		{
			t = rvalue(t);
			if(t->kind != TY_PTR) error_at(at, "subscript of something that is not an array or pointer");
			if(t->base->kind == TY_VOID || t->base->kind == TY_FUNC) error_at(at, "subscript of a void or function pointer");
			gen_push();
			it = need_scalar(expression());
			if(!is_integer(it)) error_at(at, "array index is not an integer");
			gen_scale(t->base->size);
			gen_pop_b();
			gen_binary("+", ty_ulong);
			expect("]");
			g_lvalue = 1;
			t = t->base;
		}
		else if(tok_is("("))
		{
			t = call(t, 0, 0, at);
		}
		else if(accept("."))
		{
			if(!g_lvalue) error_at(at, "member access on a value that is not in memory");
			t = member(t, at);
		}
		else if(accept("->"))
		{
			t = rvalue(t);
			if(t->kind != TY_PTR) error_at(at, "-> on something that is not a pointer");
			t = member(t->base, at);
		}
		else if(accept("++")) inc_dec(t, 1, 1, at);
		else if(accept("--")) inc_dec(t, -1, 1, at);
		else return t;
		if(!g_lvalue && (tok_is("++") || tok_is("--")))
		{
			error_at(tok, "++ or -- needs a scalar variable");
		}
	}
	return t;
}

struct type* primary()
{
	struct type* t;
	struct token* at = tok;
	if(tok->kind == TK_NUM)
	{
		gen_const(tok->value, tok->is_unsigned);
		next();
		if(at->is_unsigned) return ty_uint;
		return ty_int;
	}
	if(tok->kind == TK_CHAR)
	{
		gen_const(tok->value, 0);
		next();
		return ty_int;
	}
	if(tok->kind == TK_STR) return string_value();
	if(tok->kind == TK_IDENT) return identifier();
	if(accept("("))
	{
		t = expression();
		expect(")");
		return t;
	}
	error_at2(tok, "expression expected before ", tok_desc(tok));
	return 0;
}

/* sizeof(type), sizeof(expr) or sizeof expr; the operand is parsed
 * without emitting code. */
int size_of()
{
	struct type* t;
	int lv = g_lvalue;
	if(tok_is("(") && starts_type(peek()))
	{
		next();
		t = parse_declarator(parse_base_type(), 0, 0);
		expect(")");
	}
	else
	{
		g_nocode = g_nocode + 1;
		t = unary();
		g_nocode = g_nocode - 1;
	}
	g_lvalue = lv;
	if(t->kind == TY_FUNC) t = ty_func;
	if(t->kind == TY_STRUCT && !t->complete) error_at(last_tok, "sizeof of an incomplete struct or union");
	return t->size;
}

/* Deeply nested input must not overflow the stack. */
void enter(struct token* at)
{
	g_depth = g_depth + 1;
	if(g_depth > 1000) error_at(at, "nested too deeply");
}

struct type* unary()
{
	struct type* t;
	enter(tok);
	t = unary_();
	g_depth = g_depth - 1;
	return t;
}

struct type* unary_()
{
	struct token* at = tok;
	struct type* t;
	if(accept("-"))
	{
		t = promote(need_scalar(unary()));
		gen_neg();
		gen_convert(ty_long, t);
		return t;
	}
	if(accept("+")) return promote(need_scalar(unary()));
	if(accept("!"))
	{
		need_scalar(unary());
		gen_not();
		return ty_int;
	}
	if(accept("~"))
	{
		t = promote(need_scalar(unary()));
		gen_bitnot();
		gen_convert(ty_long, t);
		return t;
	}
	if(accept("*"))
	{
		t = rvalue(unary());
		if(t->kind != TY_PTR) error_at(at, "dereference of something that is not a pointer");
		if(t->base->kind == TY_VOID) error_at(at, "dereference of a void pointer");
		g_lvalue = 1;
		return t->base;
	}
	if(accept("&"))
	{
		t = unary();
		if(!g_lvalue) error_at(at, "& needs a variable");
		g_lvalue = 0;
		if(t->kind == TY_FUNC) return ty_func;
		return pointer_to(t);
	}
	if(accept("++"))
	{
		t = unary();
		inc_dec(t, 1, 0, at);
		return t;
	}
	if(accept("--"))
	{
		t = unary();
		inc_dec(t, -1, 0, at);
		return t;
	}
	if(word_is(tok, "sizeof"))
	{
		next();
		gen_const(size_of(), 0);
		return ty_ulong;
	}
	if(tok_is("(") && starts_type(peek()))
	{
		/* A cast. */
		next();
		t = parse_declarator(parse_base_type(), 0, 0);
		expect(")");
		if(t->kind == TY_VOID)
		{
			rvalue(unary());
			return ty_void;
		}
		if(!is_scalar(t)) error_at(at, "cast to a type that is not a scalar");
		gen_convert(need_scalar(unary()), t);
		return t;
	}
	return postfix(primary());
}

/* Constant expressions (array sizes, case labels, initializers) are
 * evaluated here, in 32-bit two's complement.  The helpers wrap
 * without ever overflowing a C int. */
int wrap16(int h)
{
	return ((h + 32768) & 65535) - 32768;
}

int wrap_add(int a, int b)
{
	int lo = (a & 65535) + (b & 65535);
	int hi = (a >> 16) + (b >> 16) + (lo >> 16);
	return wrap16(hi) * 65536 + (lo & 65535);
}

int wrap_mul(int a, int b)
{
	int al = a & 65535;
	int bl = b & 65535;
	int u = (al >> 8) * bl;
	int v = (al & 255) * bl;
	int t = (u & 255) * 256 + v;
	int lo = t & 65535;
	int hi = (u >> 8) + (t >> 16);
	hi = hi + ((a >> 16) * bl & 65535) + (al * (b >> 16) & 65535);
	return wrap16(hi & 65535) * 65536 + lo;
}

int wrap_neg(int a)
{
	return wrap_add(~a, 1);
}

int cx_binary(int min_prec);

int cx_unary()
{
	int v;
	enter(tok);
	v = cx_unary_();
	g_depth = g_depth - 1;
	return v;
}

int cx_unary_()
{
	struct token* at = tok;
	struct symbol* s;
	int v;
	if(accept("-")) return wrap_neg(cx_unary());
	if(accept("+")) return cx_unary();
	if(accept("~")) return ~cx_unary();
	if(accept("!")) return !cx_unary();
	if(accept("("))
	{
		if(starts_type(tok)) error_at(at, "casts are not allowed in constant expressions");
		v = const_expression();
		expect(")");
		return v;
	}
	if(tok->kind == TK_NUM || tok->kind == TK_CHAR)
	{
		v = tok->value;
		next();
		return v;
	}
	if(word_is(tok, "sizeof"))
	{
		next();
		return size_of();
	}
	if(tok->kind == TK_IDENT)
	{
		s = lookup(tok->text);
		if(s == 0) error_at2(tok, "undeclared identifier ", tok->text);
		if(s->kind != SY_CONST) error_at2(tok, "not a constant: ", tok->text);
		next();
		return s->value;
	}
	error_at2(tok, "constant expected before ", tok_desc(tok));
	return 0;
}

int cx_apply(char* op, int a, int b, struct token* at)
{
	int i;
	if(str_eq(op, "+")) return wrap_add(a, b);
	if(str_eq(op, "-")) return wrap_add(a, wrap_neg(b));
	if(str_eq(op, "*")) return wrap_mul(a, b);
	if(str_eq(op, "/") || str_eq(op, "%"))
	{
		if(b == 0) error_at(at, "division by zero in a constant expression");
		if(b == -1)
		{
			if(str_eq(op, "%")) return 0;
			return wrap_neg(a);
		}
		if(str_eq(op, "/")) return a / b;
		return a % b;
	}
	if(str_eq(op, "<<"))
	{
		i = 0;
		while(i < (b & 31))
		{
			a = wrap_add(a, a);
			i = i + 1;
		}
		return a;
	}
	if(str_eq(op, ">>")) return a >> (b & 31);
	if(str_eq(op, "<")) return a < b;
	if(str_eq(op, "<=")) return a <= b;
	if(str_eq(op, ">")) return a > b;
	if(str_eq(op, ">=")) return a >= b;
	if(str_eq(op, "==")) return a == b;
	if(str_eq(op, "!=")) return a != b;
	if(str_eq(op, "&")) return a & b;
	if(str_eq(op, "^")) return a ^ b;
	if(str_eq(op, "|")) return a | b;
	if(str_eq(op, "&&")) return a && b;
	return a || b;
}

int cx_binary(int min_prec)
{
	int v = cx_unary();
	int prec;
	struct token* op;
	while(1)
	{
		prec = binary_prec(tok);
		if(prec == 0 || prec < min_prec) return v;
		op = tok;
		next();
		v = cx_apply(op->text, v, cx_binary(prec + 1), op);
	}
	return v;
}

int const_expression()
{
	int c = cx_binary(1);
	int a;
	int b;
	if(!accept("?")) return c;
	a = const_expression();
	expect(":");
	b = const_expression();
	if(c) return a;
	return b;
}
