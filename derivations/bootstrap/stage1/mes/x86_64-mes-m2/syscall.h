/* syscall.h: the x86_64 system call numbers as M2-Planet constants (sx's
 * glue: include/linux/x86_64/syscall.h has them only as #define, which
 * the M2 build drops).  The numbers are Linux's for x86_64. */

// CONSTANT SYS_read 0
// CONSTANT SYS_write 1
// CONSTANT SYS_open 2
// CONSTANT SYS_ioctl 16
// CONSTANT SYS_access 21
// CONSTANT SYS_dup 32
// CONSTANT SYS_dup2 33
// CONSTANT SYS_fork 57
// CONSTANT SYS_execve 59
// CONSTANT SYS_exit 60
// CONSTANT SYS_wait4 61
// CONSTANT SYS_fsync 74
// CONSTANT SYS_getcwd 79
// CONSTANT SYS_unlink 87
// CONSTANT SYS_chmod 90
// CONSTANT SYS_gettimeofday 96
// CONSTANT SYS_time 201
// CONSTANT SYS_clock_gettime 228
// CONSTANT SYS_brk 12
