/* types.c: the type table.
 *
 * Sizes follow the target: on x86 int, long and pointers are 4 bytes;
 * on amd64 int is 4 bytes and long and pointers 8 (as with gcc and
 * MesCC there).  char is signed.  Structs are laid out in member order
 * with each member at its natural alignment; unions overlay members at
 * offset 0; an unnamed struct or union member lends its members to the
 * enclosing one. */

struct type* new_type(int kind, int size, int align)
{
	struct type* t = xalloc(sizeof(struct type));
	t->kind = kind;
	t->size = size;
	t->align = align;
	t->complete = 1;
	return t;
}

struct type* int_type(int size, int is_unsigned)
{
	struct type* t = new_type(TY_INT, size, size);
	t->is_unsigned = is_unsigned;
	return t;
}

struct type* pointer_to(struct type* t)
{
	struct type* p;
	if(t->pointer != 0) return t->pointer;
	p = new_type(TY_PTR, g_word, g_word);
	p->is_unsigned = 1;
	p->base = t;
	t->pointer = p;
	return p;
}

struct type* array_of(struct type* t, int count)
{
	struct type* a = new_type(TY_ARRAY, t->size * count, t->align);
	a->base = t;
	a->count = count;
	return a;
}

void types_init()
{
	struct symbol* s;
	ty_void = new_type(TY_VOID, 1, 1);
	ty_char = int_type(1, 0);
	ty_uchar = int_type(1, 1);
	ty_int = int_type(4, 0);
	ty_uint = int_type(4, 1);
	ty_long = int_type(g_word, 0);
	ty_ulong = int_type(g_word, 1);
	ty_charp = pointer_to(ty_char);
	/* FUNCTION: what M2-Planet code calls a pointer to a function. */
	ty_func = new_type(TY_PTR, g_word, g_word);
	ty_func->is_unsigned = 1;
	ty_func->base = new_type(TY_FUNC, 1, 1);
	s = global_add("FUNCTION", SY_TYPEDEF, 0);
	s->type = ty_func;
	/* SCM and FILE are built in, as sources written for M2-Planet expect. */
	s = global_add("SCM", SY_TYPEDEF, 0);
	s->type = ty_ulong;
	s = global_add("FILE", SY_TYPEDEF, 0);
	s->type = ty_long;
	/* mes's M2 sources use size_t and ssize_t before their typedefs. */
	s = global_add("size_t", SY_TYPEDEF, 0);
	s->type = ty_ulong;
	s = global_add("ssize_t", SY_TYPEDEF, 0);
	s->type = ty_long;
}

/* The struct or union type with this tag, created incomplete when it
 * is first seen.  A definition of a tag that is already complete
 * replaces its members: the last definition counts. */
struct type* struct_tag(char* name, int is_union, int define_here)
{
	struct symbol* s = g_tags;
	struct type* t;
	while(s != 0)
	{
		if(str_eq(s->name, name))
		{
			if(s->type->is_union != is_union) return 0;
			return s->type;
		}
		s = s->next;
	}
	t = new_type(TY_STRUCT, 0, 1);
	t->complete = 0;
	t->is_union = is_union;
	t->name = name;
	s = xalloc(sizeof(struct symbol));
	s->name = name;
	s->type = t;
	s->next = g_tags;
	g_tags = s;
	return t;
}

int align_up(int n, int a)
{
	return (n + a - 1) / a * a;
}

/* Offsets, size and alignment once all members are known.  Members of
 * unnamed struct or union members are copied up with their offsets. */
void struct_layout(struct type* t)
{
	struct type* m = t->members;
	struct type* inner;
	struct type* copy;
	struct type* after;
	int offset = 0;
	int size = 0;
	int align = 1;
	while(m != 0)
	{
		if(m->base->align > align) align = m->base->align;
		if(t->is_union) m->offset = 0;
		else
		{
			offset = align_up(offset, m->base->align);
			m->offset = offset;
			offset = offset + m->base->size;
		}
		if(m->base->size > size) size = m->base->size;
		if(m->name == 0)
		{
			/* Splice the unnamed member's own members in after it. */
			after = m->members;
			inner = m->base->members;
			while(inner != 0)
			{
				copy = new_type(TY_MEMBER, 0, 0);
				copy->name = inner->name;
				copy->base = inner->base;
				copy->offset = m->offset + inner->offset;
				copy->count = 1;
				m->members = copy;
				m = copy;
				inner = inner->members;
			}
			m->members = after;
		}
		m = m->members;
	}
	if(!t->is_union) size = offset;
	t->size = align_up(size, align);
	t->align = align;
	t->complete = 1;
}

struct type* find_member(struct type* t, char* name)
{
	struct type* m = t->members;
	while(m != 0)
	{
		if(m->name != 0)
		{
			if(str_eq(m->name, name)) return m;
		}
		m = m->members;
	}
	return 0;
}

int is_integer(struct type* t)
{
	return t->kind == TY_INT;
}


int is_scalar(struct type* t)
{
	return t->kind == TY_INT || t->kind == TY_PTR;
}

