// arch: amd64
/* asm lines are M1 text; arguments sit at rbp-8, rbp-16, ... (cc1 only) */
long add2(long a, long b)
{
	asm("lea_rax,[rbp+!] !-8"
	    "mov_rax,[rax]"
	    "push_rax"
	    "lea_rax,[rbp+!] !-16"
	    "mov_rax,[rax]"
	    "pop_rbx"
	    "add_rax,rbx");
}

long first_arg_via_rsp(long x)
{
	asm("LOAD_RSP_IMMEDIATE_into_rax %8");
}

int main()
{
	show("add2", add2(40, 2));
	show("rsp", first_arg_via_rsp(77));
	return 9;
}
