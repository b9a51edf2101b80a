/* sym.c: names.
 *
 * Globals, functions, constants and typedefs share one namespace, kept
 * in a hash table; a later definition of a name hides an earlier one
 * (M2-Planet sources define some names twice).  Locals and parameters
 * are a list searched first, cut back at the end of each block. */

void syms_init()
{
	g_globals = xalloc(HASH_SIZE * sizeof(struct symbol*));
	g_locals = 0;
	g_tags = 0;
}

struct symbol* global_lookup(char* name)
{
	struct symbol* s = g_globals[hash_text(name)];
	while(s != 0)
	{
		if(str_eq(s->name, name))
		{
			if(s->kind == SY_GONE) return 0;
			return s;
		}
		s = s->next;
	}
	return 0;
}

/* A new entry in front of any older one with the same name. */
struct symbol* global_add(char* name, int kind, struct token* where)
{
	int h = hash_text(name);
	struct symbol* s = xalloc(sizeof(struct symbol));
	s->name = name;
	s->kind = kind;
	s->where = where;
	s->next = g_globals[h];
	g_globals[h] = s;
	return s;
}

struct symbol* local_lookup(char* name)
{
	struct symbol* s = g_locals;
	while(s != 0)
	{
		if(s->name != 0)
		{
			if(str_eq(s->name, name)) return s;
		}
		s = s->next;
	}
	return 0;
}

/* A local variable: a slot in the frame below the parameters and the
 * return address, aligned to a word. */
struct symbol* local_add(char* name, struct type* t, struct token* where)
{
	struct symbol* s = xalloc(sizeof(struct symbol));
	int size = (t->size + g_word - 1) / g_word * g_word;
	if(t->kind == TY_VOID) error_at2(where, "variable of type void: ", name);
	if(t->kind == TY_STRUCT && !t->complete) error_at2(where, "variable of incomplete type: ", name);
	g_frame = g_frame + size;
	if(g_frame > g_frame_max) g_frame_max = g_frame;
	s->name = name;
	s->kind = SY_LOCAL;
	s->type = t;
	s->offset = 0 - (g_nparams + 1) * g_word - g_frame;
	s->where = where;
	s->next = g_locals;
	g_locals = s;
	return s;
}

struct symbol* lookup(char* name)
{
	struct symbol* s = local_lookup(name);
	if(s != 0) return s;
	return global_lookup(name);
}
