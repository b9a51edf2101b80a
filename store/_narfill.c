/*
 * sx.store._narfill: the archive writer's per-file loop, without the GIL.
 *
 * narwrite.py lays a tree's archive out as segments: framing bytes and the
 * regular files between them. Filling a segment is a run of small system
 * calls per file (open, read, close; for a copy also open, write, futimens,
 * close). Done in Python, every call gives up and retakes the GIL, and with
 * several workers the threads spend more time handing the GIL over than in
 * the kernel. This module fills a whole segment in one call with the GIL
 * released. It does exactly what narwrite._fill does, and narwrite falls
 * back to that code when this module is not built. Files are opened relative to
 * their directory's descriptor, kept open while the next file is in the same
 * directory, so the kernel does not walk each file's whole path twice.
 *
 *   fill(pieces, buffer, fix_mode) -> None | (index, what, errno)
 *
 * The walk's per-entry system calls go through here as well:
 *
 *   entries(dir) -> [(name, st_mode, st_size), ...] sorted by name bytes
 *                   (a directory is (name, S_IFDIR, 0))
 *
 * lists a directory and lstat()s each entry relative to the directory's
 * descriptor, in one call with the GIL released (raises OSError naming the
 * directory or the entry that failed).
 *
 * pieces:   list of bytes (framing, copied as is) or tuples
 *           (src: bytes, dst: bytes | None, size: int, executable: bool)
 * buffer:   writable buffer of at least the segment's size
 * fix_mode: chmod each copy (the umask would clear bits of 0444/0555)
 *
 * Returns None when the segment is filled, else the first failure:
 * what = 0 opening or reading pieces[index]'s source failed with errno,
 * what = 1 writing its copy failed with errno, what = 2 the source had fewer
 * than size bytes. A copy being written when the failure happened is left in
 * place (the caller removes the whole temp dir).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { FAIL_SOURCE = 0, FAIL_COPY = 1, FAIL_SHRANK = 2 };

typedef struct {
    const char *bytes; /* framing piece, or NULL for a file */
    const char *src;
    const char *dst;   /* NULL: read only (hashing, dumping) */
    Py_ssize_t size;
    int executable;
} piece;

typedef struct {
    Py_ssize_t index;
    int what;
    int err;
} failure;

static int read_all(int fd, char *out, Py_ssize_t size, failure *f) {
    Py_ssize_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, out + got, (size_t)(size - got));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            f->what = FAIL_SOURCE;
            f->err = errno;
            return -1;
        }
        if (n == 0) {
            f->what = FAIL_SHRANK;
            return -1;
        }
        got += n;
    }
    return 0;
}

/*
 * The directory of the last file opened, kept open for the next one: files
 * of one directory follow each other in a segment, so each is opened by its
 * name relative to the directory instead of walking its whole path again.
 */
typedef struct {
    int fd;
    size_t len;      /* of the directory part of path, its final '/' included */
    const char *path;
} dircache;

static void dircache_close(dircache *c) {
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->path = NULL;
}

/* The descriptor of path's directory and, in *base, its last component; -1 with errno. */
static int dircache_open(dircache *c, const char *path, const char **base) {
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        *base = path;
        return AT_FDCWD;
    }
    size_t len = (size_t)(slash - path) + 1;
    *base = slash + 1;
    if (c->path != NULL && c->len == len && memcmp(c->path, path, len) == 0)
        return c->fd;
    dircache_close(c);
    char dir[PATH_MAX];
    if (len >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(dir, path, len);
    dir[len] = 0;
    /* Symlinks along the directory part resolve as open(path) would resolve them;
       the last component is opened with O_NOFOLLOW (sources) or created (copies). */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    c->fd = fd;
    c->len = len;
    c->path = path;
    return fd;
}

static int write_copy(const piece *p, const char *data, int fix_mode, dircache *dirs,
                      failure *f) {
    static const struct timespec canonical[2] = {{1, 0}, {1, 0}};
    mode_t mode = p->executable ? 0555 : 0444;
    const char *base;
    int dfd = dircache_open(dirs, p->dst, &base);
    if (dfd == -1)
        goto fail;
    int fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        goto fail;
    if (fix_mode && fchmod(fd, mode) != 0)
        goto fail_fd;
    Py_ssize_t done = 0;
    while (done < p->size) {
        ssize_t n = write(fd, data + done, (size_t)(p->size - done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto fail_fd;
        }
        done += n;
    }
    if (futimens(fd, canonical) != 0)
        goto fail_fd;
    if (close(fd) != 0)
        goto fail;
    return 0;
fail_fd:
    f->err = errno;
    close(fd);
    f->what = FAIL_COPY;
    return -1;
fail:
    f->err = errno;
    f->what = FAIL_COPY;
    return -1;
}

static Py_ssize_t fill_cached(const piece *ps, Py_ssize_t n, char *out, int fix_mode,
                              dircache *srcs, dircache *dsts, failure *f) {
    Py_ssize_t pos = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const piece *p = &ps[i];
        f->index = i;
        if (p->bytes != NULL) {
            memcpy(out + pos, p->bytes, (size_t)p->size);
            pos += p->size;
            continue;
        }
        if (p->size > 0) {
            const char *base;
            int dfd = dircache_open(srcs, p->src, &base);
            int fd = dfd == -1 ? -1 : openat(dfd, base, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
            if (fd < 0) {
                f->what = FAIL_SOURCE;
                f->err = errno;
                return -1;
            }
            int bad = read_all(fd, out + pos, p->size, f);
            close(fd);
            if (bad)
                return -1;
        }
        if (p->dst != NULL && write_copy(p, out + pos, fix_mode, dsts, f) != 0)
            return -1;
        pos += p->size;
    }
    return 0;
}

/* Runs without the GIL: touches only the piece array and the buffer. */
static Py_ssize_t fill_pieces(const piece *ps, Py_ssize_t n, char *out, int fix_mode,
                              failure *f) {
    dircache srcs = {-1, 0, NULL}, dsts = {-1, 0, NULL};
    Py_ssize_t bad = fill_cached(ps, n, out, fix_mode, &srcs, &dsts, f);
    dircache_close(&srcs);
    dircache_close(&dsts);
    return bad;
}

static int parse_piece(PyObject *item, piece *p) {
    memset(p, 0, sizeof *p);
    if (PyBytes_Check(item)) {
        p->bytes = PyBytes_AS_STRING(item);
        p->size = PyBytes_GET_SIZE(item);
        return 0;
    }
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 4) {
        PyErr_SetString(PyExc_TypeError, "a piece is bytes or (src, dst, size, executable)");
        return -1;
    }
    PyObject *src = PyTuple_GET_ITEM(item, 0), *dst = PyTuple_GET_ITEM(item, 1);
    if (!PyBytes_Check(src) || (dst != Py_None && !PyBytes_Check(dst))) {
        PyErr_SetString(PyExc_TypeError, "a piece's src and dst are bytes (dst may be None)");
        return -1;
    }
    p->src = PyBytes_AS_STRING(src);
    p->dst = dst == Py_None ? NULL : PyBytes_AS_STRING(dst);
    p->size = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 2));
    if (p->size < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "a piece's size is negative");
        return -1;
    }
    p->executable = PyObject_IsTrue(PyTuple_GET_ITEM(item, 3));
    return p->executable < 0 ? -1 : 0;
}

static PyObject *fill(PyObject *self, PyObject *args) {
    PyObject *list;
    Py_buffer buf;
    int fix_mode;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!w*p", &PyList_Type, &list, &buf, &fix_mode))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = PyList_GET_SIZE(list);
    piece *ps = PyMem_Calloc((size_t)(n ? n : 1), sizeof(piece));
    if (ps == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (parse_piece(PyList_GET_ITEM(list, i), &ps[i]) != 0)
            goto out;
        total += ps[i].size;
    }
    if (total > buf.len) {
        PyErr_Format(PyExc_ValueError, "segment of %zd bytes, buffer of %zd", total, buf.len);
        goto out;
    }
    /* The list keeps every bytes object alive; hold it while the GIL is released. */
    Py_INCREF(list);
    failure f = {0, 0, 0};
    Py_ssize_t bad;
    Py_BEGIN_ALLOW_THREADS
    bad = fill_pieces(ps, n, (char *)buf.buf, fix_mode, &f);
    Py_END_ALLOW_THREADS
    Py_DECREF(list);
    if (bad == 0) {
        result = Py_NewRef(Py_None);
    } else {
        result = Py_BuildValue("(nii)", f.index, f.what, f.err);
    }
out:
    PyMem_Free(ps);
    PyBuffer_Release(&buf);
    return result;
}

typedef struct {
    char *name;
    size_t len;
    mode_t mode;
    long long size;
} entry;

typedef struct {
    entry *items;
    size_t n, cap;
    int err;
    const char *failed; /* the entry whose lstat failed, or NULL for the directory */
} listing;

static void free_listing(listing *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].name);
    free(l->items);
}

static int by_name(const void *a, const void *b) {
    const entry *x = a, *y = b;
    /* Names hold no NUL byte, so strcmp is the byte order that archives sort by. */
    return strcmp(x->name, y->name);
}

/* Runs without the GIL. Fills l, or sets l->err (and l->failed) and returns -1. */
static int list_dir(const char *path, listing *l) {
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        l->err = errno;
        return -1;
    }
    DIR *d = fdopendir(dfd);
    if (d == NULL) {
        l->err = errno;
        close(dfd);
        return -1;
    }
    struct dirent *de;
    for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
        const char *nm = de->d_name;
        if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0)))
            continue;
        if (l->n == l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 64;
            entry *grown = realloc(l->items, cap * sizeof(entry));
            if (grown == NULL) {
                l->err = ENOMEM;
                goto fail;
            }
            l->items = grown;
            l->cap = cap;
        }
        entry *e = &l->items[l->n];
        e->len = strlen(nm);
        e->name = malloc(e->len + 1);
        if (e->name == NULL) {
            l->err = ENOMEM;
            goto fail;
        }
        memcpy(e->name, nm, e->len + 1);
        l->n++;
        struct stat st;
        if (fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            l->err = errno;
            l->failed = e->name;
            goto fail;
        }
        /* A directory's mode and size mean nothing to an archive: (S_IFDIR, 0), as
           narwrite's scandir loop gives without a stat. */
        e->mode = S_ISDIR(st.st_mode) ? S_IFDIR : st.st_mode;
        e->size = S_ISDIR(st.st_mode) ? 0 : (long long)st.st_size;
    }
    if (errno != 0) {
        l->err = errno;
        goto fail;
    }
    closedir(d);
    qsort(l->items, l->n, sizeof(entry), by_name);
    return 0;
fail:
    closedir(d);
    return -1;
}

static PyObject *entries(PyObject *self, PyObject *arg) {
    (void)self;
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "entries() takes the directory's path as bytes");
        return NULL;
    }
    const char *path = PyBytes_AS_STRING(arg);
    if (strlen(path) != (size_t)PyBytes_GET_SIZE(arg)) {
        PyErr_SetString(PyExc_ValueError, "embedded null byte");
        return NULL;
    }
    listing l = {NULL, 0, 0, 0, NULL};
    int bad;
    Py_BEGIN_ALLOW_THREADS
    bad = list_dir(path, &l);
    Py_END_ALLOW_THREADS
    PyObject *out = NULL;
    if (bad) {
        PyObject *name = l.failed == NULL
            ? Py_NewRef(arg)
            : PyBytes_FromFormat("%s/%s", path, l.failed);
        if (name != NULL) {
            errno = l.err;
            PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, name);
            Py_DECREF(name);
        }
        goto done;
    }
    out = PyList_New((Py_ssize_t)l.n);
    if (out == NULL)
        goto done;
    for (size_t i = 0; i < l.n; i++) {
        entry *e = &l.items[i];
        PyObject *t = Py_BuildValue("(y#IL)", e->name, (Py_ssize_t)e->len,
                                    (unsigned int)e->mode, e->size);
        if (t == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, t);
    }
done:
    free_listing(&l);
    return out;
}

static PyMethodDef methods[] = {
    {"entries", entries, METH_O,
     "entries(dir: bytes) -> [(name, st_mode, st_size)]: a directory's entries, lstat()ed, "
     "sorted by name"},
    {"fill", fill, METH_VARARGS,
     "fill(pieces, buffer, fix_mode) -> None | (index, what, errno): a segment's archive bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "sx.store._narfill",
    .m_doc = "The archive writer's per-file loop, without the GIL (see narwrite.py).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__narfill(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "FAIL_SOURCE", FAIL_SOURCE) < 0 ||
        PyModule_AddIntConstant(m, "FAIL_COPY", FAIL_COPY) < 0 ||
        PyModule_AddIntConstant(m, "FAIL_SHRANK", FAIL_SHRANK) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
