// ERROR 3: variable has void type
struct s {
    void v;
};
