/* stmt.c: statements and function bodies.
 *
 * A function's frame is fixed: every local gets its own slot below the
 * parameters and the return address (blocks that have ended give their
 * slots back), the prologue reserves the largest frame with one
 * subtraction and every return leaves through one epilogue.  Nothing
 * is pushed across statements, so goto, break and continue are plain
 * jumps.  The body is generated into its own buffer because the frame
 * size is known only at its end. */

int brk_labels[MAX_NEST];
int cont_labels[MAX_NEST];
int g_nest;
int case_values[MAX_CASES];
int case_labels[MAX_CASES];
int g_ncases;
int g_switch_base;
int g_default_label;
int g_in_switch;
struct type* g_switch_type;

/* Labels of the current function: defined (kind 1) and jumped to
 * (kind 0), checked at its end. */
struct symbol* g_labels;

char* label_name(char* name)
{
	return str_cat(str_cat(str_cat("_L", int_text(g_ret_label)), "_"), name);
}

void note_label(char* name, int defined, struct token* at)
{
	struct symbol* s = g_labels;
	while(s != 0)
	{
		if(str_eq(s->name, name))
		{
			if(defined && s->defined) error_at2(at, "duplicate label ", name);
			if(defined) s->defined = 1;
			return;
		}
		s = s->next;
	}
	s = xalloc(sizeof(struct symbol));
	s->name = name;
	s->defined = defined;
	s->where = at;
	s->next = g_labels;
	g_labels = s;
}

void push_loop(int brk, int cont, struct token* at)
{
	if(g_nest == MAX_NEST) error_at(at, "statements nested too deeply");
	brk_labels[g_nest] = brk;
	cont_labels[g_nest] = cont;
	g_nest = g_nest + 1;
}

void pop_loop()
{
	g_nest = g_nest - 1;
}

void condition()
{
	expect("(");
	need_scalar(expression());
	expect(")");
}

void block()
{
	struct symbol* saved_locals = g_locals;
	int saved_frame = g_frame;
	expect("{");
	while(!accept("}"))
	{
		if(tok->kind == TK_EOF) error_at(tok, "unterminated block");
		statement();
	}
	g_locals = saved_locals;
	g_frame = saved_frame;
}

void if_statement()
{
	int other = new_label();
	int end;
	next();
	condition();
	gen_test_jump(1, other);
	statement();
	if(word_is(tok, "else"))
	{
		next();
		end = new_label();
		gen_jump(end);
		emit_label("_L", other);
		statement();
		emit_label("_L", end);
		return;
	}
	emit_label("_L", other);
}

void while_statement(struct token* at)
{
	int top = new_label();
	int end = new_label();
	next();
	emit_label("_L", top);
	condition();
	gen_test_jump(1, end);
	push_loop(end, top, at);
	statement();
	pop_loop();
	gen_jump(top);
	emit_label("_L", end);
}

void do_statement(struct token* at)
{
	int top = new_label();
	int cont = new_label();
	int end = new_label();
	next();
	emit_label("_L", top);
	push_loop(end, cont, at);
	statement();
	pop_loop();
	if(!word_is(tok, "while")) error_at2(tok, "expected 'while' after do body before ", tok_desc(tok));
	next();
	emit_label("_L", cont);
	condition();
	gen_test_jump(0, top);
	expect(";");
	emit_label("_L", end);
}

/* for (init; cond; step) body, laid out as
 *   init; top: cond -> end; jmp body; cont: step; jmp top; body: ...; jmp cont; end: */
void for_statement(struct token* at)
{
	int top = new_label();
	int cont = new_label();
	int body = new_label();
	int end = new_label();
	struct symbol* saved_locals = g_locals;
	int saved_frame = g_frame;
	next();
	expect("(");
	if(starts_type(tok)) local_declaration();
	else
	{
		if(!tok_is(";")) rvalue(expression());
		expect(";");
	}
	emit_label("_L", top);
	if(!tok_is(";"))
	{
		need_scalar(expression());
		gen_test_jump(1, end);
	}
	expect(";");
	gen_jump(body);
	emit_label("_L", cont);
	if(!tok_is(")")) rvalue(expression());
	expect(")");
	gen_jump(top);
	emit_label("_L", body);
	push_loop(end, cont, at);
	statement();
	pop_loop();
	gen_jump(cont);
	emit_label("_L", end);
	g_locals = saved_locals;
	g_frame = saved_frame;
}

/* switch: the value stays in eax while a jump goes to the comparisons
 * emitted after the body. */
void switch_statement(struct token* at)
{
	int dispatch = new_label();
	int end = new_label();
	int saved_base = g_switch_base;
	int saved_default = g_default_label;
	int saved_in = g_in_switch;
	struct type* saved_type = g_switch_type;
	int i;
	next();
	expect("(");
	g_switch_type = promote(need_scalar(expression()));
	expect(")");
	gen_jump(dispatch);
	g_switch_base = g_ncases;
	g_default_label = 0;
	g_in_switch = 1;
	push_loop(end, 0, at);
	if(g_nest > 1) cont_labels[g_nest - 1] = cont_labels[g_nest - 2];
	statement();
	pop_loop();
	gen_jump(end);
	emit_label("_L", dispatch);
	i = g_switch_base;
	while(i < g_ncases)
	{
		if(g_switch_type->size == 8) emit_op_num("cmp_rax,", case_values[i]);
		else emit_op_num("cmp_eax,", case_values[i]);
		emit_op_label("je ", "%_L", case_labels[i]);
		i = i + 1;
	}
	if(g_default_label != 0) gen_jump(g_default_label);
	else gen_jump(end);
	emit_label("_L", end);
	g_ncases = g_switch_base;
	g_switch_base = saved_base;
	g_default_label = saved_default;
	g_in_switch = saved_in;
	g_switch_type = saved_type;
}

void case_label(struct token* at)
{
	int v;
	int i;
	int label;
	next();
	if(!g_in_switch) error_at(at, "case outside a switch");
	v = const_expression();
	expect(":");
	i = g_switch_base;
	while(i < g_ncases)
	{
		if(case_values[i] == v) error_at2(at, "duplicate case value ", int_text(v));
		i = i + 1;
	}
	if(g_ncases == MAX_CASES) error_at(at, "too many case labels");
	label = new_label();
	case_values[g_ncases] = v;
	case_labels[g_ncases] = label;
	g_ncases = g_ncases + 1;
	emit_label("_L", label);
}

void default_label(struct token* at)
{
	next();
	expect(":");
	if(!g_in_switch) error_at(at, "default outside a switch");
	if(g_default_label != 0) error_at(at, "second default in a switch");
	g_default_label = new_label();
	emit_label("_L", g_default_label);
}

void return_statement(struct token* at)
{
	struct type* t;
	next();
	if(!tok_is(";"))
	{
		if(g_func->type->kind == TY_VOID) error_at(at, "return with a value in a void function");
		t = need_scalar(expression());
		gen_convert(t, g_func->type);
	}
	expect(";");
	gen_jump(g_ret_label);
}

void jump_statement(struct token* at, int is_break)
{
	int label;
	next();
	expect(";");
	if(g_nest == 0) error_at(at, "break or continue outside a loop");
	if(is_break) label = brk_labels[g_nest - 1];
	else label = cont_labels[g_nest - 1];
	if(label == 0) error_at(at, "continue outside a loop");
	gen_jump(label);
}

void goto_statement()
{
	next();
	if(tok->kind != TK_IDENT) error_at(tok, "label name expected after goto");
	note_label(tok->text, 0, tok);
	emit_op_sym("jmp ", "%", label_name(tok->text));
	next();
	expect(";");
}

void local_declaration()
{
	struct type* base = parse_base_type();
	struct type* t;
	char* name;
	struct token* at;
	struct symbol* s;
	if(g_static) error_at(last_tok, "static local variables are not supported");
	if(g_extern) error_at(last_tok, "extern declarations inside functions are not supported");
	if(accept(";")) return;
	while(1)
	{
		t = parse_declarator(base, &name, &at);
		if(name == 0) error_at2(at, "name expected before ", tok_desc(at));
		if(t->kind == TY_ARRAY && t->count < 0) error_at2(at, "array size missing for ", name);
		s = local_add(name, t, at);
		if(accept("="))
		{
			if(!is_scalar(t)) error_at(at, "only scalar locals can be initialized");
			gen_frame_addr(s->offset);
			gen_push();
			need_scalar(assignment());
			gen_pop_b();
			gen_store(t);
		}
		if(!accept(",")) break;
	}
	expect(";");
}

void statement()
{
	enter(tok);
	statement_();
	g_depth = g_depth - 1;
}

void statement_()
{
	struct token* at = tok;
	if(tok_is("{")) block();
	else if(accept(";")) return;
	else if(word_is(tok, "if")) if_statement();
	else if(word_is(tok, "while")) while_statement(at);
	else if(word_is(tok, "do")) do_statement(at);
	else if(word_is(tok, "for")) for_statement(at);
	else if(word_is(tok, "switch")) switch_statement(at);
	else if(word_is(tok, "case")) case_label(at);
	else if(word_is(tok, "default")) default_label(at);
	else if(word_is(tok, "return")) return_statement(at);
	else if(word_is(tok, "break")) jump_statement(at, 1);
	else if(word_is(tok, "continue")) jump_statement(at, 0);
	else if(word_is(tok, "goto")) goto_statement();
	else if(word_is(tok, "asm")) asm_statement();
	else if(word_is(tok, "else")) error_at(tok, "else without if");
	else if(word_is(tok, "typedef")) error_at(tok, "typedef inside a function is not supported");
	else if(tok->kind == TK_IDENT && punct_is(peek(), ":") && !starts_type(tok))
	{
		note_label(tok->text, 1, tok);
		emit(":");
		emit(label_name(tok->text));
		emit("\n");
		next();
		next();
		if(tok_is("}")) return;
		statement();
	}
	else if(starts_type(tok)) local_declaration();
	else
	{
		expression();
		g_lvalue = 0;
		expect(";");
	}
}

/* The body of f (tok is at "{"), then the function's text: label,
 * prologue, body, epilogue. */
void function_body(struct symbol* f, struct symbol* params)
{
	struct buffer* body = buf_new();
	struct symbol* l;
	g_func = f;
	g_cur = body;
	g_locals = params;
	g_frame = 0;
	g_frame_max = 0;
	g_labels = 0;
	g_nest = 0;
	g_in_switch = 0;
	g_ret_label = new_label();
	block();
	l = g_labels;
	while(l != 0)
	{
		if(!l->defined) error_at2(l->where, "goto to an undefined label ", l->name);
		l = l->next;
	}
	g_cur = g_code;
	emit(":FUNCTION_");
	emit(f->name);
	emit("\n");
	if(g_frame_max > 0) emit_op_num(i_sub_sp, g_frame_max);
	buf_append(g_code, body);
	emit_label("_L", g_ret_label);
	if(g_frame_max > 0) emit_op_num(i_add_sp, g_frame_max);
	emit_op("ret");
	emit("\n");
	g_locals = 0;
}
