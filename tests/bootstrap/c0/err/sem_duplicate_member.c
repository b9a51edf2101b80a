// ERROR 4: duplicate member 'a'
struct s {
    int a;
    char a;
};
