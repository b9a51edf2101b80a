// runtime.c: the runtime every C0 program is compiled with by cc0.
//
// cc0 reads it first: cc0 runtime.c PROGRAM.c... OUT.M0
// It gives _start and the functions a C0 program may call: exit, read,
// write, open, close, calloc and free.  (A gcc build of the same program
// gets them from the host's libc instead; cc0 skips the #include lines
// that declare them there.)
//
// Calling convention (see docs/bootstrap.md): arguments are pushed left
// to right and removed by the caller; the result is in eax.  In a
// function of N parameters, parameter I (from 0) is at [ebp+8+4*(N-1-I)].
// The asm lines below rely on it.  Names starting with __cc0_ are the
// runtime's own.

// _start: the kernel leaves [esp] = argc, then argv[0..argc-1] and NULL.
// main(argc, argv) is called and its result passed to exit.  The function
// around it is never called: it only gives the asm a place.
void __cc0_start() {
    asm(":_start",
        "mov_ebp,esp",
        "mov_eax,[ebp+!] !0",           // argc
        "push_eax",
        "lea_eax,[ebp+!] !4",           // argv
        "push_eax",
        "call %FUNCTION_main",
        "push_eax",
        "call %FUNCTION_exit");
}

// __cc0_syscall: Linux i386 system call NR with three arguments; returns
// the kernel's result (-4095..-1 for an error).
int __cc0_syscall(int nr, int a, int b, int c) {
    asm("mov_eax,[ebp+!] !20",          // nr
        "mov_ebx,[ebp+!] !16",          // a
        "mov_ecx,[ebp+!] !12",          // b
        "mov_edx,[ebp+!] !8",           // c
        "int_0x80",
        "mov_esp,ebp",
        "pop_ebp",
        "ret");
}

// Errors come back as -1, as from libc.
int __cc0_result(int r) {
    if (r < 0 && r > -4096) {
        return -1;
    }
    return r;
}

void exit(int status) {
    __cc0_syscall(1, status, 0, 0);
}

int read(int fd, char* buf, int n) {
    return __cc0_result(__cc0_syscall(3, fd, buf, n));
}

int write(int fd, char* buf, int n) {
    return __cc0_result(__cc0_syscall(4, fd, buf, n));
}

int open(char* path, int flags, int mode) {
    return __cc0_result(__cc0_syscall(5, path, flags, mode));
}

int close(int fd) {
    return __cc0_result(__cc0_syscall(6, fd, 0, 0));
}

// The heap: from the initial program break upwards, grown with brk in
// steps of at least 1 MiB; memory is never given back.  Addresses are kept
// in ints (C0 has no casts; cc0 lets an int become a pointer on return).
int __cc0_heap;
int __cc0_heap_end;

// __cc0_zero: N zero bytes at P.
void __cc0_zero(int p, int n) {
    asm("mov_eax,[ebp+!] !12",          // p
        "mov_edi,eax",
        "mov_ecx,[ebp+!] !8",           // n
        "xor_eax,eax",
        "cld",
        "rep_stosb",
        "mov_esp,ebp",
        "pop_ebp",
        "ret");
}

// calloc: N * SIZE zeroed bytes, 16-aligned; 0 if that is negative, too
// large, or the kernel has no more memory.
char* calloc(int n, int size) {
    int bytes;
    int p;
    int want;
    if (n < 0 || size < 0) {
        return 0;
    }
    if (size != 0 && n > 2147483647 / size) {
        return 0;
    }
    bytes = n * size;
    if (bytes > 2147483632) {
        return 0;
    }
    bytes = (bytes + 15) & -16;
    if (__cc0_heap == 0) {
        __cc0_heap = (__cc0_syscall(45, 0, 0, 0) + 15) & -16;
        __cc0_heap_end = __cc0_heap;
    }
    if (bytes > __cc0_heap_end - __cc0_heap) {
        want = __cc0_heap + bytes + 1048576;
        if (__cc0_syscall(45, want, 0, 0) != want) {
            return 0;
        }
        __cc0_heap_end = want;
    }
    p = __cc0_heap;
    __cc0_heap = __cc0_heap + bytes;
    __cc0_zero(p, bytes);
    return p;
}

void free(char* p) {
}
