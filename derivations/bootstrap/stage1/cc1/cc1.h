/* cc1.h: the data structures, globals and prototypes every cc1 file shares.
 *
 * cc1 is written in C0 (the subset cc0 compiles): no typedef, switch,
 * ++, ?:, casts, unsigned, compound assignment, function pointers or
 * struct values.  The sources are concatenated in the order of
 * cc1/SOURCES before compiling, so this file comes first and the others
 * need no #include of it; the # lines below are for gcc only (C0
 * compilers drop every line that starts with #).
 *
 * Pointer arithmetic appears only on char pointers: cc1 gives + and -
 * on other pointers the M2-Planet meaning (byte offsets), cc0 and gcc
 * the C meaning, and cc1 must mean the same program to all three.
 */

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* Token kinds */
// CONSTANT TK_EOF 0
#define TK_EOF 0
// CONSTANT TK_IDENT 1
#define TK_IDENT 1
// CONSTANT TK_NUM 2
#define TK_NUM 2
// CONSTANT TK_CHAR 3
#define TK_CHAR 3
// CONSTANT TK_STR 4
#define TK_STR 4
// CONSTANT TK_PUNCT 5
#define TK_PUNCT 5
/* #define/#undef/// CONSTANT, applied when the parser reaches them */
// CONSTANT TK_DEFINE 6
#define TK_DEFINE 6
// CONSTANT TK_UNDEF 7
#define TK_UNDEF 7

/* Type kinds */
// CONSTANT TY_VOID 0
#define TY_VOID 0
// CONSTANT TY_INT 1
#define TY_INT 1
// CONSTANT TY_PTR 2
#define TY_PTR 2
// CONSTANT TY_ARRAY 3
#define TY_ARRAY 3
// CONSTANT TY_STRUCT 4
#define TY_STRUCT 4
// CONSTANT TY_FUNC 5
#define TY_FUNC 5
// CONSTANT TY_MEMBER 6
#define TY_MEMBER 6

/* Symbol kinds */
// CONSTANT SY_GLOBAL 1
#define SY_GLOBAL 1
// CONSTANT SY_LOCAL 2
#define SY_LOCAL 2
// CONSTANT SY_FUNC 3
#define SY_FUNC 3
// CONSTANT SY_CONST 4
#define SY_CONST 4
// CONSTANT SY_TYPEDEF 5
#define SY_TYPEDEF 5
// CONSTANT SY_GONE 6
#define SY_GONE 6

/* Target architectures */
// CONSTANT ARCH_X86 1
#define ARCH_X86 1
// CONSTANT ARCH_AMD64 2
#define ARCH_AMD64 2

/* Sizes of tables */
// CONSTANT HASH_SIZE 4096
#define HASH_SIZE 4096
// CONSTANT MAX_NEST 256
#define MAX_NEST 256
// CONSTANT MAX_CASES 1024
#define MAX_CASES 1024

/* One token of the input.  Identifier, number and punctuator texts are
 * NUL-terminated; a string literal's bytes are in text[0..len). */
struct token
{
	int kind;
	char* text;
	int len;
	int value;
	int is_unsigned;
	char* file;
	int line;
	struct token* next;
};

/* A type.  Integers (TY_INT) cover char, short, int, long and their
 * unsigned forms; size and is_unsigned tell them apart.  A struct or
 * union is TY_STRUCT; its members are TY_MEMBER nodes chained through
 * members (name, base = the member's type, offset), so that no struct
 * here points to a struct defined after it. */
struct type
{
	int kind;
	int size;
	int align;
	int is_unsigned;
	int is_union;
	int complete;
	int count;
	int offset;
	char* name;
	struct type* base;
	struct type* members;
	struct type* pointer;
};

/* A named thing: variable, function, constant or typedef.  Globals live
 * in a hash table (chained through next); locals and struct tags in
 * lists. */
struct symbol
{
	char* name;
	int kind;
	struct type* type;
	int offset;
	int value;
	int defined;
	int nparams;
	int variadic;
	int used;
	int init_kind;
	char* init_bytes;
	int init_len;
	char* init_name;
	struct token* where;
	struct symbol* next;
	struct symbol* chain;
};

/* How a global is initialized (init_kind). */
// CONSTANT INIT_NONE 0
#define INIT_NONE 0
// CONSTANT INIT_INT 1
#define INIT_INT 1
// CONSTANT INIT_STRING 2
#define INIT_STRING 2
// CONSTANT INIT_ADDRESS 3
#define INIT_ADDRESS 3

/* A growable byte buffer: the output is built in memory and written
 * only when the whole compilation succeeded. */
struct buffer
{
	char* data;
	int len;
	int cap;
};

/* util.c */
void* xalloc(int n);
int str_len(char* s);
int str_eq(char* a, char* b);
int str_starts(char* s, char* prefix);
char* str_ndup(char* s, int n);
char* str_dup(char* s);
char* str_cat(char* a, char* b);
char* int_text(int n);
struct buffer* buf_new();
void buf_grow(struct buffer* b, int n);
void buf_byte(struct buffer* b, int c);
void buf_bytes(struct buffer* b, char* s, int n);
void buf_str(struct buffer* b, char* s);
void buf_append(struct buffer* dst, struct buffer* src);
void put_err(char* s);
void die(char* msg);
void die2(char* msg, char* what);
void error_at2(struct token* t, char* msg, char* what);
void error_at(struct token* t, char* msg);
char* read_file(char* path, int* len_out);
int write_file(char* path, struct buffer* b);
int hash_text(char* s);

/* lex.c */
int lx_peek(int k);
int is_space(int c);
int is_digit(int c);
int is_alpha(int c);
int is_alnum(int c);
int hex_value(int c);
struct token* lx_new(int kind);
void lx_error(char* msg);
int parse_number_text(char* s, int* ok);
int lx_escape();
void lx_string();
void lx_char();
void lx_number();
void lx_ident();
void lx_punct_token(char* p, int n);
int lx_punct();
int dir_skip(char* s, int i);
void lx_definition(char* s, int strict);
void lx_directive(char* s);
void lx_hash_line();
void lx_line_comment(int at_line_start);
void lx_block_comment();
struct token* lex_file(char* path, struct token* tail);

/* types.c */
struct type* new_type(int kind, int size, int align);
struct type* int_type(int size, int is_unsigned);
struct type* pointer_to(struct type* t);
struct type* array_of(struct type* t, int count);
void types_init();
struct type* struct_tag(char* name, int is_union, int define_here);
int align_up(int n, int a);
void struct_layout(struct type* t);
struct type* find_member(struct type* t, char* name);
int is_integer(struct type* t);
int is_scalar(struct type* t);

/* sym.c */
void syms_init();
struct symbol* global_lookup(char* name);
struct symbol* global_add(char* name, int kind, struct token* where);
struct symbol* local_lookup(char* name);
struct symbol* local_add(char* name, struct type* t, struct token* where);
struct symbol* lookup(char* name);

/* emit.c */
void arch_init(int arch);
void emit(char* s);
void emit_op(char* op);
void emit_op_num(char* op, int n);
void emit_op_byte(char* op, int n);
void emit_op_label(char* op, char* prefix, int id);
void emit_op_sym(char* op, char* prefix, char* name);
void emit_label(char* prefix, int id);
int new_label();
void gen_push();
void gen_pop_b();
void gen_const(int n, int is_unsigned);
void gen_global_addr(char* name);
void gen_func_addr(char* name);
void gen_string_addr(int id);
void gen_frame_addr(int offset);
void gen_load(struct type* t);
void gen_store(struct type* t);
void gen_convert(struct type* from, struct type* to);
void gen_add_const(int n);
void gen_scale(int size);
int wide(struct type* t);
void gen_binary(char* op, struct type* t);
void gen_compare(char* op, struct type* t);
void gen_not();
void gen_neg();
void gen_bitnot();
void gen_test_jump(int if_zero, int label);
void gen_jump(int label);
void gen_call_begin();
void gen_call_arg();
void gen_call_end(int nargs);
void gen_call_direct(char* name, int nargs);
void gen_call_indirect(int nargs);
int string_literal(char* bytes, int len);

/* expr.c */
void skip_definitions();
void define_constant(char* name, int value, struct token* where);
void next();
struct token* peek();
int punct_is(struct token* t, char* p);
int tok_is(char* p);
int word_is(struct token* t, char* w);
int accept(char* p);
char* tok_desc(struct token* t);
void expect(char* p);
struct type* promote(struct type* t);
struct type* common_type(struct type* a, struct type* b);
struct type* rvalue(struct type* t);
struct type* need_scalar(struct type* t);
struct type* arith(char* op, struct type* lt, struct type* rt, struct token* at);
int binary_prec(struct token* t);
struct type* logical(int is_and, struct type* t, int prec);
struct type* binary(int min_prec);
struct type* conditional();
int is_assign_op(struct token* t);
struct type* assignment();
struct type* expression();
void inc_dec(struct type* t, int delta, int post, struct token* at);
struct type* string_value();
struct type* identifier();
struct type* call(struct type* callee, struct symbol* f, char* name, struct token* at);
struct type* member(struct type* t, struct token* at);
struct type* postfix(struct type* t);
struct type* primary();
int size_of();
void enter(struct token* at);
struct type* unary();
struct type* unary_();
int wrap16(int h);
int wrap_add(int a, int b);
int wrap_mul(int a, int b);
int wrap_neg(int a);
int cx_unary();
int cx_unary_();
int cx_apply(char* op, int a, int b, struct token* at);
int cx_binary(int min_prec);
int const_expression();

/* decl.c */
int is_qualifier(struct token* t);
int is_type_word(struct token* t);
struct symbol* typedef_named(struct token* t);
int starts_type(struct token* t);
void struct_members(struct type* t);
struct type* struct_spec(int is_union);
struct type* parse_base_type();
void skip_qualifiers();
void skip_params();
struct type* parse_declarator(struct type* base, char** name_out, struct token** where_out);
void parse_typedef();
void global_variable(struct type* t, char* name, struct token* at);
void global_string_init(struct symbol* s);
void data_value(int v, int n);
void data_zeros(int n);
void data_address(char* prefix, char* name);
void emit_global(struct symbol* s);
void emit_globals();
int parse_params(struct symbol** params_out, int* variadic_out);
int function_declaration(struct type* ret, char* name, struct token* at);
void top_level_declaration();
void asm_statement();
void parse_top_level();

/* stmt.c */
char* label_name(char* name);
void note_label(char* name, int defined, struct token* at);
void push_loop(int brk, int cont, struct token* at);
void pop_loop();
void condition();
void block();
void if_statement();
void while_statement(struct token* at);
void do_statement(struct token* at);
void for_statement(struct token* at);
void switch_statement(struct token* at);
void case_label(struct token* at);
void default_label(struct token* at);
void return_statement(struct token* at);
void jump_statement(struct token* at, int is_break);
void goto_statement();
void local_declaration();
void statement();
void statement_();
void function_body(struct symbol* f, struct symbol* params);

/* main.c */
void usage();
void command_line_define(char* text, struct token* where);
void check_undeclared();
int main(int argc, char** argv);

/* Global state */
struct token* tok;
int g_arch;
int g_word;
int g_bootstrap;
int g_no_elf_end;
int g_label_count;
int g_nocode;
int g_lvalue;
int g_depth;
struct buffer* g_code;
struct buffer* g_data;
struct buffer* g_strings;
struct buffer* g_out;
struct symbol** g_globals;
struct symbol* g_locals;
struct symbol* g_tags;
struct symbol* g_func;
int g_frame;
int g_frame_max;
int g_nparams;
int g_ret_label;
struct type* ty_void;
struct type* ty_char;
struct type* ty_uchar;
struct type* ty_short;
struct type* ty_ushort;
struct type* ty_int;
struct type* ty_uint;
struct type* ty_long;
struct type* ty_ulong;
struct type* ty_func;
struct type* ty_charp;
