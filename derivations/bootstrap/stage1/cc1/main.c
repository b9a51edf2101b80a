/* main.c: the command line.
 *
 *   cc1 [--arch x86|amd64] [--bootstrap-mode] [--no-elf-end]
 *       [-D NAME[=VALUE]]... -o OUTPUT FILE...
 *
 * The files are compiled as one program, in order, into one M1 file:
 * the functions, then :ELF_data, the global variables, the string
 * literals and :ELF_end.  Errors are reported as FILE:LINE: message
 * (or cc1: message) with exit status 1, and then no output is written. */

void usage()
{
	put_err("usage: cc1 [--arch x86|amd64] [--bootstrap-mode] [--no-elf-end] [-D NAME[=VALUE]]... -o OUTPUT FILE...\n");
	exit(1);
}

/* -D NAME or -D NAME=VALUE. */
void command_line_define(char* text, struct token* where)
{
	int i = 0;
	int ok;
	int value = 1;
	char* name;
	while(text[i] != 0 && text[i] != '=') i = i + 1;
	name = str_ndup(text, i);
	if(i == 0) die2("bad -D: ", text);
	if(text[i] == '=')
	{
		if(text[i + 1] == '-') value = 0 - parse_number_text(text + i + 2, &ok);
		else value = parse_number_text(text + i + 1, &ok);
		if(ok == 0) die2("bad -D value: ", text);
	}
	define_constant(name, value, where);
}

/* Functions that were called before any declaration and never
 * declared or defined afterwards. */
void check_undeclared()
{
	int i = 0;
	struct symbol* s;
	while(i < HASH_SIZE)
	{
		s = g_globals[i];
		while(s != 0)
		{
			if(s->kind == SY_FUNC && s->offset == 1) error_at2(s->where, "call to undeclared function ", s->name);
			s = s->next;
		}
		i = i + 1;
	}
}

int main(int argc, char** argv)
{
	char* output = 0;
	char** files = xalloc((argc + 1) * sizeof(char*));
	char** defines = xalloc((argc + 1) * sizeof(char*));
	int nfiles = 0;
	int ndefines = 0;
	int i = 1;
	struct token* head;
	struct token* tail;
	struct token* cmdline;
	int arch = ARCH_X86;
	char* arg;
	while(i < argc)
	{
		arg = argv[i];
		if(str_eq(arg, "-o") || str_eq(arg, "--arch") || str_eq(arg, "-D"))
		{
			if(i + 1 >= argc) usage();
			if(str_eq(arg, "-o")) output = argv[i + 1];
			else if(str_eq(arg, "-D"))
			{
				defines[ndefines] = argv[i + 1];
				ndefines = ndefines + 1;
			}
			else if(str_eq(argv[i + 1], "x86")) arch = ARCH_X86;
			else if(str_eq(argv[i + 1], "amd64")) arch = ARCH_AMD64;
			else die2("unknown architecture: ", argv[i + 1]);
			i = i + 2;
		}
		else if(str_eq(arg, "--bootstrap-mode"))
		{
			g_bootstrap = 1;
			i = i + 1;
		}
		else if(str_eq(arg, "--no-elf-end"))
		{
			g_no_elf_end = 1;
			i = i + 1;
		}
		else if(arg[0] == '-' && arg[1] != 0)
		{
			die2("unknown option: ", arg);
		}
		else
		{
			files[nfiles] = arg;
			nfiles = nfiles + 1;
			i = i + 1;
		}
	}
	if(output == 0 || nfiles == 0) usage();
	arch_init(arch);
	syms_init();
	types_init();
	g_code = buf_new();
	g_data = buf_new();
	g_strings = buf_new();
	cmdline = xalloc(sizeof(struct token));
	cmdline->file = "<command line>";
	i = 0;
	while(i < ndefines)
	{
		command_line_define(defines[i], cmdline);
		i = i + 1;
	}
	head = xalloc(sizeof(struct token));
	tail = head;
	i = 0;
	while(i < nfiles)
	{
		tail = lex_file(files[i], tail);
		i = i + 1;
	}
	tail->next = xalloc(sizeof(struct token));
	tail->next->kind = TK_EOF;
	tail->next->file = tail->file;
	tail->next->line = tail->line;
	if(tail == head) tail->next->file = files[nfiles - 1];
	tok = head->next;
	skip_definitions();
	parse_top_level();
	check_undeclared();
	emit_globals();
	g_out = buf_new();
	buf_append(g_out, g_code);
	buf_str(g_out, ":ELF_data\n");
	buf_append(g_out, g_data);
	buf_append(g_out, g_strings);
	if(!g_no_elf_end) buf_str(g_out, ":ELF_end\n");
	if(!write_file(output, g_out)) die2("cannot write ", output);
	return 0;
}
