// ERROR 2: initializer must be a constant
int a = "text";
