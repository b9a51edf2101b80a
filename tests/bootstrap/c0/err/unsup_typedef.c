// ERROR 2: unsupported keyword 'typedef'
typedef int word;
