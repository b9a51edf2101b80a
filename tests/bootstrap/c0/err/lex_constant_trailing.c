// ERROR 2: bad CONSTANT line
// CONSTANT SIZE 10 items
