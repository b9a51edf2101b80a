/* emit.c: the two back ends, as M1 text.
 *
 * Code is a stack machine: an expression leaves its value in eax (rax
 * on amd64); a binary operator pushes the left value, computes the
 * right one, pops the left into ebx and combines.  The instruction
 * names are those of sx's i386_defs.M0 and of cc1's amd64_defs.M1 (the
 * same convention with r registers), so they never collide with the
 * M2-Planet names that M2libc's and mes's asm blocks use.
 *
 * On amd64 a value of a 4-byte type is kept in rax sign-extended (int)
 * or zero-extended (unsigned); operations on 4-byte types that depend
 * on the upper bits (divide, shift right, compare) use the 32-bit
 * instructions, and results are extended again. */

struct buffer* g_cur;

/* Register-dependent instruction names, set by arch_init. */
char* i_push_a;
char* i_pop_a;
char* i_pop_b;
char* i_mov_b_a;
char* i_mov_a_b;
char* i_mov_c_a;
char* i_mov_a_d;
char* i_mov_a_bp;
char* i_loadi;
char* i_lea_frame;
char* i_add_imm;
char* i_load_word;
char* i_store_word;
char* i_store_byte;
char* i_load_char;
char* i_load_uchar;
char* i_add;
char* i_sub;
char* i_mul;
char* i_and;
char* i_or;
char* i_xor;
char* i_xchg;
char* i_test;
char* i_neg;
char* i_not;
char* i_shl;
char* i_shl_imm;
char* i_mul_c;
char* i_call_a;
char* i_push_di;
char* i_push_bp;
char* i_pop_di;
char* i_pop_bp;
char* i_mov_di_sp;
char* i_mov_bp_di;
char* i_add_sp;
char* i_sub_sp;
char* i_sext_char;

void arch_init(int arch)
{
	g_arch = arch;
	if(arch == ARCH_X86)
	{
		g_word = 4;
		i_push_a = "push_eax";
		i_pop_a = "pop_eax";
		i_pop_b = "pop_ebx";
		i_mov_b_a = "mov_ebx,eax";
		i_mov_a_b = "mov_eax,ebx";
		i_mov_c_a = "mov_ecx,eax";
		i_mov_a_d = "mov_eax,edx";
		i_mov_a_bp = "mov_eax,ebp";
		i_loadi = "mov_eax,";
		i_lea_frame = "lea_eax,[ebp+!]";
		i_add_imm = "add_eax,";
		i_load_word = "mov_eax,[eax]";
		i_store_word = "mov_[ebx],eax";
		i_store_byte = "mov_[ebx],al";
		i_load_char = "movsx_eax,BYTE_PTR_[eax]";
		i_load_uchar = "movzx_eax,BYTE_PTR_[eax]";
		i_add = "add_eax,ebx";
		i_sub = "sub_ebx,eax";
		i_mul = "imul_eax,ebx";
		i_and = "and_eax,ebx";
		i_or = "or_eax,ebx";
		i_xor = "xor_eax,ebx";
		i_xchg = "xchg_eax,ebx";
		i_test = "test_eax,eax";
		i_neg = "neg_eax";
		i_not = "not_eax";
		i_shl = "shl_eax,cl";
		i_shl_imm = "shl_eax,!";
		i_mul_c = "imul_eax,ecx";
		i_call_a = "call_eax";
		i_push_di = "push_edi";
		i_push_bp = "push_ebp";
		i_pop_di = "pop_edi";
		i_pop_bp = "pop_ebp";
		i_mov_di_sp = "mov_edi,esp";
		i_mov_bp_di = "mov_ebp,edi";
		i_add_sp = "add_esp,";
		i_sub_sp = "sub_esp,";
		i_sext_char = "movsx_eax,al";
		return;
	}
	g_word = 8;
	i_push_a = "push_rax";
	i_pop_a = "pop_rax";
	i_pop_b = "pop_rbx";
	i_mov_b_a = "mov_rbx,rax";
	i_mov_a_b = "mov_rax,rbx";
	i_mov_c_a = "mov_rcx,rax";
	i_mov_a_d = "mov_rax,rdx";
	i_mov_a_bp = "mov_rax,rbp";
	i_loadi = "mov_rax,";
	i_lea_frame = "lea_rax,[rbp+!]";
	i_add_imm = "add_rax,";
	i_load_word = "mov_rax,[rax]";
	i_store_word = "mov_[rbx],rax";
	i_store_byte = "mov_[rbx],al";
	i_load_char = "movsx_rax,BYTE_PTR_[rax]";
	i_load_uchar = "movzx_eax,BYTE_PTR_[rax]";
	i_add = "add_rax,rbx";
	i_sub = "sub_rbx,rax";
	i_mul = "imul_rax,rbx";
	i_and = "and_rax,rbx";
	i_or = "or_rax,rbx";
	i_xor = "xor_rax,rbx";
	i_xchg = "xchg_rax,rbx";
	i_test = "test_rax,rax";
	i_neg = "neg_rax";
	i_not = "not_rax";
	i_shl = "shl_rax,cl";
	i_shl_imm = "shl_rax,!";
	i_mul_c = "imul_rax,rcx";
	i_call_a = "call_rax";
	i_push_di = "push_rdi";
	i_push_bp = "push_rbp";
	i_pop_di = "pop_rdi";
	i_pop_bp = "pop_rbp";
	i_mov_di_sp = "mov_rdi,rsp";
	i_mov_bp_di = "mov_rbp,rdi";
	i_add_sp = "add_rsp,";
	i_sub_sp = "sub_rsp,";
	i_sext_char = "movsx_rax,al";
}

void emit(char* s)
{
	if(g_nocode) return;
	buf_str(g_cur, s);
}

void emit_op(char* op)
{
	emit("\t");
	emit(op);
	emit("\n");
}

void emit_op_num(char* op, int n)
{
	emit("\t");
	emit(op);
	emit(" %");
	emit(int_text(n));
	emit("\n");
}

/* An 8-bit immediate (M1's ! prefix). */
void emit_op_byte(char* op, int n)
{
	emit("\t");
	emit(op);
	emit(" !");
	emit(int_text(n));
	emit("\n");
}

void emit_op_label(char* op, char* prefix, int id)
{
	emit("\t");
	emit(op);
	emit(prefix);
	emit(int_text(id));
	emit("\n");
}

void emit_op_sym(char* op, char* prefix, char* name)
{
	emit("\t");
	emit(op);
	emit(prefix);
	emit(name);
	emit("\n");
}

void emit_label(char* prefix, int id)
{
	emit(":");
	emit(prefix);
	emit(int_text(id));
	emit("\n");
}

int new_label()
{
	g_label_count = g_label_count + 1;
	return g_label_count;
}

void gen_push()
{
	emit_op(i_push_a);
}

void gen_pop_b()
{
	emit_op(i_pop_b);
}

/* A constant: sign-extended from 32 bits, except that an unsigned
 * constant is zero-extended on amd64 (mov eax, imm32). */
void gen_const(int n, int is_unsigned)
{
	if(is_unsigned) emit_op_num("mov_eax,", n);
	else emit_op_num(i_loadi, n);
}

/* Addresses fit in 32 bits: the programs are linked below 4 GiB. */
void gen_global_addr(char* name)
{
	emit_op_sym("mov_eax, ", "&GLOBAL_", name);
}

void gen_func_addr(char* name)
{
	emit_op_sym("mov_eax, ", "&FUNCTION_", name);
}

void gen_string_addr(int id)
{
	emit_op_label("mov_eax, ", "&_S", id);
}

/* The address of a frame slot, ebp + offset (offset < 0). */
void gen_frame_addr(int offset)
{
	if(offset >= -128)
	{
		emit_op_byte(i_lea_frame, offset);
		return;
	}
	emit_op(i_mov_a_bp);
	emit_op_num(i_add_imm, offset);
}

/* Replace the address in eax by the value of type t stored there.
 * Arrays, structs and functions stay addresses. */
void gen_load(struct type* t)
{
	if(t->kind == TY_ARRAY || t->kind == TY_STRUCT || t->kind == TY_FUNC) return;
	if(t->size == 1)
	{
		if(t->is_unsigned) emit_op(i_load_uchar);
		else emit_op(i_load_char);
		return;
	}
	if(g_arch == ARCH_AMD64 && t->size == 4)
	{
		if(t->is_unsigned) emit_op("mov_eax,[rax]");
		else emit_op("movsxd_rax,DWORD_PTR_[rax]");
		return;
	}
	emit_op(i_load_word);
}

/* Store eax at the address in ebx as type t. */
void gen_store(struct type* t)
{
	if(t->size == 1) emit_op(i_store_byte);
	else if(g_arch == ARCH_AMD64 && t->size == 4) emit_op("mov_[rbx],eax");
	else emit_op(i_store_word);
	gen_convert(ty_long, t);
}

/* Bring the value in eax from type `from` to the form type `to` keeps
 * in a register: a char is sign- or zero-extended from al, a 4-byte
 * value on amd64 from eax. */
void gen_convert(struct type* from, struct type* to)
{
	if(to->kind != TY_INT && to->kind != TY_PTR) return;
	if(to->size == 1)
	{
		if(from->kind == TY_INT && from->size == 1 && from->is_unsigned == to->is_unsigned) return;
		if(to->is_unsigned) emit_op("movzx_eax,al");
		else emit_op(i_sext_char);
		return;
	}
	if(g_arch == ARCH_AMD64 && to->size == 4)
	{
		if(from->kind == TY_INT && from->size <= 4 && from->is_unsigned == to->is_unsigned) return;
		if(from->kind == TY_INT && from->size < 4) return;
		if(to->is_unsigned) emit_op("mov_eax,eax");
		else emit_op("movsxd_rax,eax");
	}
}

void gen_add_const(int n)
{
	if(n != 0) emit_op_num(i_add_imm, n);
}

/* eax = eax * size, for indexing. */
void gen_scale(int size)
{
	int shift = 0;
	int k = 1;
	if(size == 1) return;
	while(k < size)
	{
		k = k * 2;
		shift = shift + 1;
	}
	if(k == size)
	{
		emit_op_byte(i_shl_imm, shift);
		return;
	}
	emit_op_num("mov_ecx,", size);
	emit_op(i_mul_c);
}

/* The common type's width decides between the 32- and 64-bit forms. */
int wide(struct type* t)
{
	return g_arch == ARCH_AMD64 && t->size == 8;
}

/* eax = ebx OP eax, in type t (the usual arithmetic conversions are
 * done by the caller). */
void gen_binary(char* op, struct type* t)
{
	int sign = !t->is_unsigned;
	if(str_eq(op, "+")) emit_op(i_add);
	else if(str_eq(op, "-"))
	{
		emit_op(i_sub);
		emit_op(i_mov_a_b);
	}
	else if(str_eq(op, "*")) emit_op(i_mul);
	else if(str_eq(op, "&")) emit_op(i_and);
	else if(str_eq(op, "|")) emit_op(i_or);
	else if(str_eq(op, "^")) emit_op(i_xor);
	else if(str_eq(op, "/") || str_eq(op, "%"))
	{
		emit_op(i_xchg);
		if(wide(t))
		{
			if(sign)
			{
				emit_op("cqo");
				emit_op("idiv_rbx");
			}
			else
			{
				emit_op("xor_edx,edx");
				emit_op("div_rbx");
			}
		}
		else if(sign)
		{
			emit_op("cdq");
			emit_op("idiv_ebx");
		}
		else
		{
			emit_op("xor_edx,edx");
			emit_op("div_ebx");
		}
		if(str_eq(op, "%")) emit_op(i_mov_a_d);
	}
	else if(str_eq(op, "<<"))
	{
		emit_op(i_mov_c_a);
		emit_op(i_mov_a_b);
		emit_op(i_shl);
	}
	else if(str_eq(op, ">>"))
	{
		emit_op(i_mov_c_a);
		emit_op(i_mov_a_b);
		if(wide(t))
		{
			if(sign) emit_op("sar_rax,cl");
			else emit_op("shr_rax,cl");
		}
		else if(sign) emit_op("sar_eax,cl");
		else emit_op("shr_eax,cl");
	}
	gen_convert(ty_long, t);
}

/* eax = (ebx OP eax) ? 1 : 0, signed or unsigned as t says. */
void gen_compare(char* op, struct type* t)
{
	int sign = !t->is_unsigned;
	if(wide(t)) emit_op("cmp_rbx,rax");
	else emit_op("cmp_ebx,eax");
	if(str_eq(op, "==")) emit_op("sete_al");
	else if(str_eq(op, "!=")) emit_op("setne_al");
	else if(str_eq(op, "<"))
	{
		if(sign) emit_op("setl_al");
		else emit_op("setb_al");
	}
	else if(str_eq(op, "<="))
	{
		if(sign) emit_op("setle_al");
		else emit_op("setbe_al");
	}
	else if(str_eq(op, ">"))
	{
		if(sign) emit_op("setg_al");
		else emit_op("seta_al");
	}
	else if(sign) emit_op("setge_al");
	else emit_op("setae_al");
	emit_op("movzx_eax,al");
}

void gen_not()
{
	emit_op(i_test);
	emit_op("sete_al");
	emit_op("movzx_eax,al");
}

void gen_neg()
{
	emit_op(i_neg);
}

void gen_bitnot()
{
	emit_op(i_not);
}

void gen_test_jump(int if_zero, int label)
{
	emit_op(i_test);
	if(if_zero) emit_op_label("je ", "%_L", label);
	else emit_op_label("jne ", "%_L", label);
}

void gen_jump(int label)
{
	emit_op_label("jmp ", "%_L", label);
}

/* The M2-Planet calling convention: the caller saves edi and ebp,
 * points edi at the saved ebp, pushes the arguments left to right,
 * sets ebp = edi and calls.  The callee finds argument i at
 * ebp - 4*(i+1) (8*(i+1) on amd64); the return value is in eax. */
void gen_call_begin()
{
	emit_op(i_push_di);
	emit_op(i_push_bp);
	emit_op(i_mov_di_sp);
}

void gen_call_arg()
{
	emit_op(i_push_a);
}

void gen_call_end(int nargs)
{
	if(nargs > 0) emit_op_num(i_add_sp, nargs * g_word);
	emit_op(i_pop_bp);
	emit_op(i_pop_di);
}

void gen_call_direct(char* name, int nargs)
{
	emit_op(i_mov_bp_di);
	emit_op_sym("call ", "%FUNCTION_", name);
	gen_call_end(nargs);
}

/* The callee's address is in eax. */
void gen_call_indirect(int nargs)
{
	emit_op(i_mov_bp_di);
	emit_op(i_call_a);
	gen_call_end(nargs);
}

/* A string literal's bytes as raw hex, NUL-terminated; returns its
 * label number. */
int string_literal(char* bytes, int len)
{
	int id = new_label();
	int i = 0;
	char* hex = "0123456789ABCDEF";
	int c;
	struct buffer* b = g_strings;
	buf_str(b, ":_S");
	buf_str(b, int_text(id));
	buf_str(b, "\n'");
	while(i < len)
	{
		c = bytes[i] & 255;
		buf_byte(b, hex[c / 16]);
		buf_byte(b, hex[c % 16]);
		i = i + 1;
		if(i % 32 == 0 && i < len) buf_str(b, "'\n'");
	}
	buf_str(b, "00'\n");
	return id;
}

