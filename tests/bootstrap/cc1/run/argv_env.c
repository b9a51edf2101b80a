/* argc and argv reach main */
int main(int argc, char** argv)
{
	show("argc", argc);
	show("argv0set", argv[0] != 0);
	show("end", argv[argc] == 0);
	return argc;
}
