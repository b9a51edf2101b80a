// ERROR 2: unsupported keyword 'float'
float f;
