// ERROR 2: unsupported keyword 'unsigned'
unsigned x;
