// args: --bootstrap-mode -D NULL=0 -D EOF=-1 -D O_RDONLY=0 -D O_WRONLY=1 -D O_RDWR=2 -D O_CREAT=64 -D O_TRUNC=512 -D STDIN_FILENO=0 -D STDOUT_FILENO=1 -D STDERR_FILENO=2 -D BUFSIZ=4096 -D SEEK_SET=0 -D SEEK_CUR=1 -D SEEK_END=2 -D EXIT_FAILURE=1 -D EXIT_SUCCESS=0 -D TRUE=1 -D FALSE=0 -D __PATH_MAX=4096
/* --bootstrap-mode drops every # line, so all #if branches are compiled (cc1 only) */
#if 0
#define SIZE 1
#else
#define SIZE 2
#endif
// CONSTANT SIZE 5

#ifdef NOT_DEFINED
int only_in_bootstrap = 1;
#endif

int main()
{
	show("size", SIZE);
	show("flag", only_in_bootstrap);
	return 0;
}
