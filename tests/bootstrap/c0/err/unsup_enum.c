// ERROR 2: unsupported keyword 'enum'
enum color { RED };
