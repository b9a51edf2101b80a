// ERROR 2: bad CONSTANT line
// CONSTANT typedef 5
