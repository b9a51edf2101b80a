// ERROR 2: initializer must be a constant
char a[4] = "abc";
