// ERROR 2: variable has void type
void g;
