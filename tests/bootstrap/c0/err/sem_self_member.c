// ERROR 3: incomplete type
struct s {
    struct s inner;
};
