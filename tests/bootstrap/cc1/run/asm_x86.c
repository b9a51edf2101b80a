// arch: x86
/* asm lines are M1 text; arguments sit at ebp-4, ebp-8, ... (cc1 only) */
int add3(int a, int b, int c)
{
	asm("mov_eax,[ebp+!] !-4"
	    "mov_ebx,[ebp+!] !-8"
	    "add_eax,ebx"
	    "mov_ebx,[ebp+!] !-12"
	    "add_eax,ebx");
}

int first_arg_via_esp(int x)
{
	asm("LOAD_EFFECTIVE_ADDRESS_ebx %4", "LOAD_INTEGER_ebx", "COPY_ebx_to_eax");
}

int main()
{
	show("add3", add3(1, 20, 300));
	show("esp", first_arg_via_esp(77));
	asm("mov_eax, %5");
	return 9;
}
