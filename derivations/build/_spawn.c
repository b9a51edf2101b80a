/* The two process starts of a sandboxed build, without a helper program each.
 *
 * hold(fd, net): a child in a new user and pid namespace (and network
 *   namespace, with net) that reads fd until end-of-file and exits. It is
 *   pid 1 of that pid namespace, so its exit kills every other process
 *   there (see buildns.py). It shares sx's memory
 *   and runs a few system calls on a stack of its own, which unhold() frees
 *   once it has been reaped.
 *
 * spawn(path, argv, stdin, stdout, stderr, keep, rlimits, pdeathsig, netns):
 *   vfork and execv with the parent-death signal and resource limits set in the
 *   child first, the network namespace netns entered (when >= 0) with its
 *   loopback interface up, stdio placed on 0-2, the descriptors in keep
 *   inherited at their numbers and every other one closed.
 *
 * Both block every signal around the fork, so no handler of sx runs in the
 * child; the child resets the handlers to the default before it unblocks.
 * Needs Linux >= 5.11 (close_range with CLOSE_RANGE_CLOEXEC).
 */
#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define MAX_KEEP 16
#define MAX_LIMITS 8

/* What a child that did not reach execv reports: the step and its errno. */
struct failure {
    volatile int step;
    volatile int err;
};

static const char *const STEPS[] = {
    "", "prctl(PR_SET_PDEATHSIG)", "setrlimit", "place descriptors", "close descriptors",
    "", "enter the network namespace", "bring up the loopback interface",
};

static void default_handlers(void)
{
    struct sigaction sa;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        if (sigaction(sig, NULL, &sa) != 0)
            continue;
        /* Python ignores SIGPIPE and SIGXFSZ; a program expects the defaults. */
        if (sa.sa_handler == SIG_DFL)
            continue;
        if (sa.sa_handler == SIG_IGN && sig != SIGPIPE && sig != SIGXFSZ)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigaction(sig, &sa, NULL);
    }
}

/* ---- hold ------------------------------------------------------------------------ */

#define HOLD_STACK (64 * 1024)

/* The holder: runs on its own small stack in sx's memory (CLONE_VM, so
 * nothing of sx is copied, now or on sx's later writes), with its own
 * descriptor table and signal handlers, every signal blocked. The module is
 * linked with -z now (setup.py): no lazy symbol binding runs in the holder. */
static int hold_main(void *arg)
{
    /* Raw system calls: glibc's read() is a cancellation point and would
     * write the cancellation state of the thread that cloned it, whose
     * thread pointer the holder shares. errno is written only on a failure,
     * after which the holder exits. All signals are blocked: no EINTR. */
    long fd = (long)(intptr_t)arg;
    /* Its own name in ps and top (the command line stays sx's: the memory is). */
    syscall(SYS_prctl, PR_SET_NAME, "sx-holder", 0L, 0L, 0L);
    if (fd != 0 && syscall(SYS_dup2, fd, 0L) != 0)
        return 1;
    if (syscall(SYS_close_range, 1U, ~0U, 0U) != 0)
        return 1;
    char buf[64];
    for (;;) {
        long n = syscall(SYS_read, 0L, buf, sizeof buf);
        if (n <= 0)
            return n < 0;
    }
}

static PyObject *hold(PyObject *self, PyObject *args)
{
    (void)self;
    int fd, net = 0;
    if (!PyArg_ParseTuple(args, "i|p:hold", &fd, &net))
        return NULL;
    if (fd < 0) {
        PyErr_SetString(PyExc_ValueError, "hold: negative descriptor");
        return NULL;
    }
    char *stack = mmap(NULL, HOLD_STACK, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return PyErr_SetFromErrno(PyExc_OSError);
    /* A guard page at the bottom: an overflow faults instead of writing sx's memory. */
    if (mprotect(stack, 4096, PROT_NONE) != 0) {
        munmap(stack, HOLD_STACK);
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int flags = CLONE_VM | CLONE_NEWUSER | CLONE_NEWPID | SIGCHLD | (net ? CLONE_NEWNET : 0);
    int pid = clone(hold_main, stack + HOLD_STACK, flags, (void *)(intptr_t)fd);
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        munmap(stack, HOLD_STACK);
        errno = saved;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    return Py_BuildValue("(iK)", pid, (unsigned long long)(uintptr_t)stack);
}

static PyObject *unhold(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long addr;
    if (!PyArg_ParseTuple(args, "K:unhold", &addr))
        return NULL;
    if (munmap((void *)(uintptr_t)addr, HOLD_STACK) != 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    Py_RETURN_NONE;
}

/* ---- spawn ----------------------------------------------------------------------- */

struct plan {
    const char *path;
    char **argv;
    int stdio[3];
    int keep[MAX_KEEP];
    int nkeep;
    int res[MAX_LIMITS];
    rlim_t value[MAX_LIMITS];
    int nlimits;
    int pdeathsig;
    int netns;
    pid_t parent;
    sigset_t mask;
};

static void fail(struct failure *f, int step)
{
    f->err = errno;
    f->step = step;
    _exit(127);
}

/* Sets IFF_UP on "lo" of the caller's network namespace (a new one has it down). */
static int loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int r = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (r == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        r = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    syscall(SYS_close, (long)s);
    errno = saved;
    return r;
}

/* Runs in the vfork child: system calls only, no allocation. */
static void child(const struct plan *p, struct failure *f)
{
    if (p->pdeathsig) {
        if (prctl(PR_SET_PDEATHSIG, p->pdeathsig) != 0)
            fail(f, 1);
        if (getppid() != p->parent)
            _exit(127); /* the parent is gone already */
    }
    if (p->netns >= 0) {
        if (setns(p->netns, CLONE_NEWNET) != 0)
            fail(f, 6);
        if (loopback_up() != 0)
            fail(f, 7);
    }
    for (int i = 0; i < p->nlimits; i++) {
        struct rlimit rl = {p->value[i], p->value[i]};
        if (setrlimit(p->res[i], &rl) != 0)
            fail(f, 2);
    }
    /* A kept descriptor must be open: else a copy below could take its number. */
    for (int i = 0; i < p->nkeep; i++)
        if (fcntl(p->keep[i], F_GETFD) < 0)
            fail(f, 3);
    /* Out of the way first, so that a source on 0-2 is not overwritten. */
    int moved[3];
    for (int i = 0; i < 3; i++) {
        moved[i] = fcntl(p->stdio[i], F_DUPFD_CLOEXEC, 3);
        if (moved[i] < 0)
            fail(f, 3);
    }
    for (int i = 0; i < 3; i++)
        if (dup2(moved[i], i) != i)
            fail(f, 3);
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
        fail(f, 4);
    for (int i = 0; i < p->nkeep; i++)
        if (fcntl(p->keep[i], F_SETFD, 0) != 0)
            fail(f, 3);
    default_handlers();
    pthread_sigmask(SIG_SETMASK, &p->mask, NULL);
    execv(p->path, p->argv);
    fail(f, 5);
}

static int fd_of(PyObject *o, const char *what, int *out)
{
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < 0 || v > INT32_MAX) {
        PyErr_Format(PyExc_ValueError, "spawn: bad %s descriptor %ld", what, v);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static PyObject *spawn(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *names[] = {"path", "argv", "stdin", "stdout", "stderr", "keep", "rlimits",
                            "pdeathsig", "netns", NULL};
    PyObject *path_o, *argv_o, *keep_o, *limits_o;
    struct plan p;
    memset(&p, 0, sizeof p);
    p.netns = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&OiiiOOi|i:spawn", names,
                                     PyUnicode_FSConverter, &path_o, &argv_o, &p.stdio[0],
                                     &p.stdio[1], &p.stdio[2], &keep_o, &limits_o,
                                     &p.pdeathsig, &p.netns))
        return NULL;
    PyObject *argv_seq = NULL, *keep_seq = NULL, *limits_seq = NULL, *result = NULL;
    PyObject **encoded = NULL;
    Py_ssize_t argc = 0;
    p.path = PyBytes_AS_STRING(path_o);

    argv_seq = PySequence_Fast(argv_o, "spawn: argv must be a sequence");
    keep_seq = argv_seq ? PySequence_Fast(keep_o, "spawn: keep must be a sequence") : NULL;
    limits_seq = keep_seq ? PySequence_Fast(limits_o, "spawn: rlimits must be a sequence") : NULL;
    if (!limits_seq)
        goto out;
    argc = PySequence_Fast_GET_SIZE(argv_seq);
    if (argc < 1) {
        PyErr_SetString(PyExc_ValueError, "spawn: empty argv");
        goto out;
    }
    for (int i = 0; i < 3; i++)
        if (p.stdio[i] < 0) {
            PyErr_SetString(PyExc_ValueError, "spawn: bad stdio descriptor");
            goto out;
        }
    if (p.netns < -1) {
        PyErr_SetString(PyExc_ValueError, "spawn: bad network namespace descriptor");
        goto out;
    }
    p.nkeep = (int)PySequence_Fast_GET_SIZE(keep_seq);
    if (p.nkeep > MAX_KEEP) {
        PyErr_SetString(PyExc_ValueError, "spawn: too many descriptors to keep");
        goto out;
    }
    for (int i = 0; i < p.nkeep; i++) {
        if (fd_of(PySequence_Fast_GET_ITEM(keep_seq, i), "kept", &p.keep[i]) != 0)
            goto out;
        if (p.keep[i] < 3) {
            PyErr_SetString(PyExc_ValueError, "spawn: a kept descriptor must be >= 3");
            goto out;
        }
    }
    p.nlimits = (int)PySequence_Fast_GET_SIZE(limits_seq);
    if (p.nlimits > MAX_LIMITS) {
        PyErr_SetString(PyExc_ValueError, "spawn: too many limits");
        goto out;
    }
    for (int i = 0; i < p.nlimits; i++) {
        int res;
        unsigned long long value;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(limits_seq, i), "iK:rlimit", &res,
                              &value))
            goto out;
        p.res[i] = res;
        p.value[i] = (rlim_t)value;
    }
    encoded = PyMem_Calloc((size_t)argc, sizeof *encoded);
    p.argv = PyMem_Calloc((size_t)argc + 1, sizeof *p.argv);
    if (!encoded || !p.argv) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t i = 0; i < argc; i++) {
        if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(argv_seq, i), &encoded[i]))
            goto out;
        p.argv[i] = PyBytes_AS_STRING(encoded[i]);
    }
    p.parent = getpid();

    struct failure f = {0, 0};
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &p.mask);
    pid_t pid = vfork();
    if (pid == 0)
        child(&p, &f);
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &p.mask, NULL);
    if (pid < 0) {
        errno = saved;
        PyErr_SetFromErrno(PyExc_OSError);
        goto out;
    }
    if (f.step) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        PyObject *msg = f.step == 5
            ? PyUnicode_FromFormat("exec %s: %s", p.path, strerror(f.err))
            : PyUnicode_FromFormat("%s: %s", STEPS[f.step], strerror(f.err));
        if (msg) {
            PyObject *exc = PyObject_CallFunction(PyExc_OSError, "iO", f.err, msg);
            Py_DECREF(msg);
            if (exc) {
                PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
                Py_DECREF(exc);
            }
        }
        goto out;
    }
    result = PyLong_FromLong(pid);
out:
    if (encoded) {
        for (Py_ssize_t i = 0; i < argc; i++)
            Py_XDECREF(encoded[i]);
        PyMem_Free(encoded);
    }
    PyMem_Free(p.argv);
    Py_XDECREF(limits_seq);
    Py_XDECREF(keep_seq);
    Py_XDECREF(argv_seq);
    Py_DECREF(path_o);
    return result;
}

static PyMethodDef methods[] = {
    {"hold", hold, METH_VARARGS,
     "hold(fd, net=False) -> (pid, stack): a child in new user and pid namespaces (and a "
     "network namespace, with net) that reads fd until EOF."},
    {"unhold", unhold, METH_VARARGS,
     "unhold(stack): free a holder's stack once the holder has been reaped."},
    {"spawn", (PyCFunction)(void (*)(void))spawn, METH_VARARGS | METH_KEYWORDS,
     "spawn(path, argv, stdin, stdout, stderr, keep, rlimits, pdeathsig, netns=-1) -> pid"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_spawn", "Process starts of sandboxed builds (see _spawn.c).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__spawn(void)
{
    return PyModule_Create(&module);
}
