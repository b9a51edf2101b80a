// ERROR 3: wrong kind of tag 's'
struct s { int a; };
union s* p;
