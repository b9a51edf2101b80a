// ERROR 3: undefined function 'main'
int main;
