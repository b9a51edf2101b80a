// ERROR 4: object too large
struct s {
    char a[200000000];
    char b[200000000];
};
